/**
 * `sw8-x`: the extension header. Field 1 is the tracing mode ('1' = skip analysis for every span
 * downstream), field 2 the client's send timestamp in epoch milliseconds (for MQ latency).
 */
import { MAX_SW8X_HEADER_LENGTH } from '../limits';

export interface Sw8Extension {
  skipAnalysis: boolean;
  /** Epoch milliseconds at which the client sent the message, when it said so. */
  sendTimestamp?: number;
}

const TIMESTAMP = /^\d{1,16}$/;

/** Parses sw8-x; unknown trailing fields are ignored (the list is extendable). Never throws. */
export function decodeSw8Extension(value: string): Sw8Extension | undefined {
  if (value.length === 0 || value.length > MAX_SW8X_HEADER_LENGTH) return undefined;
  // The form every agent writes, `<0|1>-<digits>`, read without splitting (a consumer reads one
  // per message); anything else takes the general path.
  if (value.charCodeAt(1) === DASH) {
    const mode = value.charCodeAt(0);
    if (mode === ZERO || mode === ONE) {
      const stamp = digitsAt(value, 2);
      if (stamp !== undefined) return stamp > 0 ? { skipAnalysis: mode === ONE, sendTimestamp: stamp } : { skipAnalysis: mode === ONE };
    }
  }
  const parts = value.split('-');
  const mode = parts[0].trim();
  if (mode !== '' && mode !== '0' && mode !== '1') return undefined;
  const ext: Sw8Extension = { skipAnalysis: mode === '1' };
  const stamp = parts.length > 1 ? parts[1].trim() : '';
  if (stamp !== '') {
    if (!TIMESTAMP.test(stamp)) return ext;
    const ms = Number(stamp);
    if (Number.isSafeInteger(ms) && ms > 0) ext.sendTimestamp = ms;
  }
  return ext;
}

const DASH = 0x2d;
const ZERO = 0x30;
const ONE = 0x31;

/** The number written from `start` to the end or the next dash: 1 to 15 digits, else undefined. */
function digitsAt(value: string, start: number): number | undefined {
  let n = 0;
  let i = start;
  for (; i < value.length; i++) {
    const digit = value.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  const count = i - start;
  if (count === 0 || count > 15 || (i < value.length && value.charCodeAt(i) !== DASH)) return undefined;
  return n;
}

/** Writes sw8-x. Like the Java agent, a missing timestamp is a single space. */
export function encodeSw8Extension(ext: Sw8Extension): string {
  return (ext.skipAnalysis ? '1-' : '0-') + (ext.sendTimestamp !== undefined ? String(ext.sendTimestamp) : ' ');
}
