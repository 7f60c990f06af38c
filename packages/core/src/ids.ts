/**
 * Trace and segment id rules shared by the propagator, the segment bookkeeping and the exporter.
 *
 * A trace started by one of our services uses its 32-hex OpenTelemetry trace id as the SkyWalking
 * trace id. A SkyWalking trace id of another shape maps to a stable OpenTelemetry id by hashing,
 * and the original travels in a `tracestate` member so that it can be reported and sent on as is.
 */
import { randomBytes } from 'node:crypto';
import type { TraceState } from '@opentelemetry/api';
import { TRACESTATE_KEY } from './headers';
import { MAX_ID_LENGTH } from './limits';

const HEX32 = /^[0-9a-f]{32}$/;
const ALL_ZERO_32 = '0'.repeat(32);
const ALL_ZERO_16 = '0'.repeat(16);

/** True for a valid OpenTelemetry trace id (32 lowercase hex, not all zeros). */
export function isOtelTraceId(id: string): boolean {
  return id.length === 32 && HEX32.test(id) && id !== ALL_ZERO_32;
}

/** FNV-1a over UTF-16 code units with a final avalanche, one 32-bit lane per seed. */
function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

const SEEDS = [0x811c9dc5, 0x9747b28c, 0x3c6ef372, 0xa54ff53a];

/** Stable 32-hex OpenTelemetry trace id for any SkyWalking trace id. */
export function toOtelTraceId(swTraceId: string): string {
  if (isOtelTraceId(swTraceId)) return swTraceId;
  let id = '';
  for (const seed of SEEDS) id += hex8(hash32(swTraceId, seed));
  return id === ALL_ZERO_32 ? '0'.repeat(31) + '1' : id;
}

/** Stable 16-hex OpenTelemetry span id for a SkyWalking span (segment id + span id). */
export function toOtelSpanId(segmentId: string, spanId: number): string {
  const key = `${segmentId}#${spanId}`;
  const id = hex8(hash32(key, SEEDS[0])) + hex8(hash32(key, SEEDS[1]));
  return id === ALL_ZERO_16 ? '0'.repeat(15) + '1' : id;
}

/**
 * Segment id of a local root: the first half of the trace id and the root's span id, so a
 * SkyWalking segment can be found from OpenTelemetry ids and vice versa.
 */
export function segmentIdFor(otelTraceId: string, otelSpanId: string): string {
  return otelTraceId.slice(0, 16) + otelSpanId;
}

/** A random 32-hex id (uuid v4 without dashes, as SkyWalking's Node agent makes them). */
export function randomHexId(): string {
  return randomBytes(16).toString('hex');
}

// tracestate values: printable ASCII without ',' and '=', not ending in a space, at most 256.
const TRACESTATE_SAFE = /^[\x21-\x2b\x2d-\x3c\x3e-\x7d]{1,256}$/;
const ENCODED_MARK = '~';

/** Encodes a SkyWalking trace id as a tracestate value, or undefined when it cannot be carried. */
export function encodeTraceStateId(swTraceId: string): string | undefined {
  if (swTraceId.length === 0 || swTraceId.length > MAX_ID_LENGTH) return undefined;
  if (TRACESTATE_SAFE.test(swTraceId) && swTraceId[0] !== ENCODED_MARK) return swTraceId;
  const encoded = ENCODED_MARK + Buffer.from(swTraceId, 'utf8').toString('base64url');
  return encoded.length <= 256 ? encoded : undefined;
}

/** Decodes a tracestate value written by encodeTraceStateId; undefined when it is not one. */
export function decodeTraceStateId(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0) return undefined;
  if (value[0] !== ENCODED_MARK) return value.length <= MAX_ID_LENGTH ? value : undefined;
  const body = value.slice(1);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const decoded = Buffer.from(body, 'base64url').toString('utf8');
  return decoded.length > 0 && decoded.length <= MAX_ID_LENGTH ? decoded : undefined;
}

/**
 * The SkyWalking trace id of a span context: the original id carried in tracestate when it maps
 * to this OpenTelemetry trace id, else the OpenTelemetry trace id itself.
 */
export function swTraceIdOf(otelTraceId: string, traceState: TraceState | undefined): string {
  if (traceState === undefined) return otelTraceId;
  const original = decodeTraceStateId(traceState.get(TRACESTATE_KEY));
  return original !== undefined && toOtelTraceId(original) === otelTraceId ? original : otelTraceId;
}
