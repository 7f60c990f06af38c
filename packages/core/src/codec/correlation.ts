/**
 * `sw8-correlation`: Cross Process Correlation Headers Protocol v1.0.
 * Comma-separated `base64(key):base64(value)` pairs, at most 3 keys, values up to 128 chars.
 */
import { MAX_CORRELATION_HEADER_LENGTH, MAX_CORRELATION_KEYS, MAX_CORRELATION_VALUE_LENGTH } from '../limits';
import { decodeBase64, encodeBase64 } from './base64';

export interface CorrelationResult {
  entries: Array<[key: string, value: string]>;
  /** Pairs that were malformed or over the protocol's limits. */
  dropped: number;
}

/** Parses sw8-correlation; malformed pairs are skipped and counted, never thrown. */
export function decodeCorrelation(value: string): CorrelationResult {
  const entries: Array<[string, string]> = [];
  if (value.length === 0) return { entries, dropped: 0 };
  if (value.length > MAX_CORRELATION_HEADER_LENGTH) return { entries, dropped: 1 };
  let dropped = 0;
  for (const pair of value.split(',')) {
    const parts = pair.trim().split(':');
    const key = parts.length === 2 ? decodeBase64(parts[0]) : undefined;
    const val = key ? decodeBase64(parts[1]) : undefined;
    if (!key || val === undefined || val.length === 0 || val.length > MAX_CORRELATION_VALUE_LENGTH) {
      dropped++;
      continue;
    }
    const existing = entries.findIndex(([k]) => k === key);
    if (existing >= 0) entries[existing] = [key, val];
    else if (entries.length < MAX_CORRELATION_KEYS) entries.push([key, val]);
    else dropped++;
  }
  return { entries, dropped };
}

/**
 * Writes sw8-correlation from key/value pairs, keeping the first 3 keys with non-empty values of
 * at most 128 chars. Returns the header ('' when nothing fits) and how many pairs were left out.
 */
export function encodeCorrelation(entries: Iterable<[string, string]>): { value: string; dropped: number } {
  let value = '';
  let kept = 0;
  let dropped = 0;
  for (const [key, val] of entries) {
    if (kept >= MAX_CORRELATION_KEYS || key.length === 0 || val.length === 0 || val.length > MAX_CORRELATION_VALUE_LENGTH) {
      dropped++;
      continue;
    }
    value += (kept === 0 ? '' : ',') + encodeBase64(key) + ':' + encodeBase64(val);
    kept++;
  }
  return { value, dropped };
}
