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

/** Writes sw8-x. Like the Java agent, a missing timestamp is a single space. */
export function encodeSw8Extension(ext: Sw8Extension): string {
  return (ext.skipAnalysis ? '1-' : '0-') + (ext.sendTimestamp !== undefined ? String(ext.sendTimestamp) : ' ');
}
