/**
 * `sw8`: Cross Process Propagation Headers Protocol v3.
 * `sample-traceId-segmentId-spanId-service-instance-endpoint-address`, strings in base64.
 */
import { MAX_ID_LENGTH, MAX_SPAN_ID, MAX_SW8_HEADER_LENGTH } from '../limits';
import { decodeBase64, encodeBase64, encodeBase64Once } from './base64';

export interface Sw8Header {
  /** true: the upstream sampled this trace (field 1 = 1). */
  sampled: boolean;
  traceId: string;
  parentSegmentId: string;
  parentSpanId: number;
  parentService: string;
  parentServiceInstance: string;
  /** Operation name of the parent segment's first entry span; may be empty. */
  parentEndpoint: string;
  /** Address the client used to reach this server; becomes networkAddressUsedAtPeer. */
  targetAddress: string;
}

/** Parses an sw8 value; undefined when any field is malformed. Never throws. */
export function decodeSw8(value: string): Sw8Header | undefined {
  if (value.length < 15 || value.length > MAX_SW8_HEADER_LENGTH) return undefined;
  // One pass over the dashes (no split): this runs on every incoming request.
  const d1 = value.indexOf('-');
  const d2 = value.indexOf('-', d1 + 1);
  const d3 = value.indexOf('-', d2 + 1);
  const d4 = value.indexOf('-', d3 + 1);
  const d5 = value.indexOf('-', d4 + 1);
  const d6 = value.indexOf('-', d5 + 1);
  const d7 = value.indexOf('-', d6 + 1);
  if (d1 !== 1 || d7 < 0 || value.indexOf('-', d7 + 1) >= 0 || d6 < 0) return undefined;
  const sample = value.charCodeAt(0);
  if (sample !== 48 /* 0 */ && sample !== 49 /* 1 */) return undefined;
  const parentSpanId = parseSpanId(value, d3 + 1, d4);
  if (parentSpanId < 0) return undefined;
  const traceId = decodeBase64(value.slice(d1 + 1, d2));
  if (!traceId || traceId.length > MAX_ID_LENGTH) return undefined;
  const parentSegmentId = decodeBase64(value.slice(d2 + 1, d3));
  if (!parentSegmentId || parentSegmentId.length > MAX_ID_LENGTH) return undefined;
  const names = decodeNames(value.slice(d4 + 1), d5 - d4 - 1, d6 - d4 - 1, d7 - d4 - 1);
  if (names === undefined) return undefined;
  const [parentService, parentServiceInstance, parentEndpoint, targetAddress] = names;
  return {
    sampled: sample === 49,
    traceId,
    parentSegmentId,
    parentSpanId,
    parentService,
    parentServiceInstance,
    parentEndpoint,
    targetAddress,
  };
}

type Names = readonly [service: string, instance: string, endpoint: string, address: string];
const NAMES_CACHE_LIMIT = 512;
const namesCache = new Map<string, Names>();

/**
 * Fields 5 to 8 (service, instance, endpoint, address) repeat across requests from the same
 * caller, so they are decoded once per distinct tail and cached (bounded, cleared when full).
 */
function decodeNames(tail: string, e1: number, e2: number, e3: number): Names | undefined {
  let names = namesCache.get(tail);
  if (names !== undefined) return names;
  const service = decodeBase64(tail.slice(0, e1));
  const instance = decodeBase64(tail.slice(e1 + 1, e2));
  const endpoint = decodeBase64(tail.slice(e2 + 1, e3));
  const address = decodeBase64(tail.slice(e3 + 1));
  if (!service || !instance || endpoint === undefined || address === undefined) return undefined;
  names = [service, instance, endpoint, address];
  if (namesCache.size >= NAMES_CACHE_LIMIT) namesCache.clear();
  namesCache.set(tail, names);
  return names;
}

/**
 * Reads only fields 1 and 2 (sample flag, trace id): enough to tell whether an sw8 agrees with a
 * traceparent. The rest is checked by decodeSw8 when it is needed. `expectedTraceId` saves decoding
 * field 2 when it is exactly the base64 of that id (the usual case between our own services).
 */
export function peekSw8(value: string, expectedTraceId?: string): { sampled: boolean; traceId: string } | undefined {
  if (value.length < 15 || value.length > MAX_SW8_HEADER_LENGTH || value.charCodeAt(1) !== 45 /* - */) return undefined;
  const sample = value.charCodeAt(0);
  if (sample !== 48 && sample !== 49) return undefined;
  const d2 = value.indexOf('-', 2);
  if (d2 < 0) return undefined;
  const field = value.slice(2, d2);
  if (expectedTraceId !== undefined && field === encodeBase64Once(expectedTraceId)) {
    return { sampled: sample === 49, traceId: expectedTraceId };
  }
  const traceId = decodeBase64(field);
  if (!traceId || traceId.length > MAX_ID_LENGTH) return undefined;
  return { sampled: sample === 49, traceId };
}

/** A non-negative int32 in decimal between start and end; -1 when it is not one. */
function parseSpanId(value: string, start: number, end: number): number {
  if (end <= start || end - start > 10) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n <= MAX_SPAN_ID ? n : -1;
}

/** Writes an sw8 value. Repeating names (service, instance, endpoint, address) use cached encodings. */
export function encodeSw8(header: Sw8Header): string {
  return (
    (header.sampled ? '1-' : '0-') +
    encodeBase64Once(header.traceId) +
    '-' +
    encodeBase64Once(header.parentSegmentId) +
    '-' +
    header.parentSpanId +
    '-' +
    encodeBase64(header.parentService) +
    '-' +
    encodeBase64(header.parentServiceInstance) +
    '-' +
    encodeBase64(header.parentEndpoint) +
    '-' +
    encodeBase64(header.targetAddress)
  );
}
