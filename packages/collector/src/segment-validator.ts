/**
 * Checks of one segment on its own, at arrival: the rules of protocol §4 and §7 that need no other
 * segment. Checks across segments (refs against their parents) are in reference-checks.ts.
 */
import {
  MAX_ENDPOINT_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_INSTANCE_NAME_LENGTH,
  MAX_SEARCHABLE_TAG_LENGTH,
  SEARCHABLE_TAG_KEYS,
  MAX_SERVICE_NAME_LENGTH,
  SwTag,
} from '@otel-skywalking/core';
import { RefType, SpanType, type SegmentObject, type SpanObject } from '@otel-skywalking/core/protocol';
import { VALIDATION_RULES, type RuleId } from './rules';
import type { Violation } from './types';

/** 2000-01-01 and 2100-01-01 in epoch ms: anything outside is not a millisecond timestamp of now. */
const MIN_EPOCH_MS = 946_684_800_000;
const MAX_EPOCH_MS = 4_102_444_800_000;
const MAX_SPAN_LAYER = 6;
const INTEGER = /^[+-]?\d+$/;


/** Builds a violation with the rule's severity. */
export function violation(
  rule: RuleId,
  segment: SegmentObject,
  spanId: number | undefined,
  message: string,
): Violation {
  const v: Violation = {
    rule,
    severity: VALIDATION_RULES[rule].severity,
    segmentId: segment.traceSegmentId,
    traceId: segment.traceId,
    service: segment.service,
    message,
  };
  if (spanId !== undefined) v.spanId = spanId;
  return v;
}

function isEpochMs(value: number): boolean {
  return Number.isFinite(value) && value >= MIN_EPOCH_MS && value <= MAX_EPOCH_MS;
}

/** Every rule one segment breaks on its own; [] when it is clean. Never throws on decoded input. */
export function validateSegment(segment: SegmentObject): Violation[] {
  const out: Violation[] = [];
  checkSegmentFields(segment, out);
  if (segment.spans.length === 0) {
    out.push(violation('segment.empty', segment, undefined, 'segment has no spans; the OAP drops it'));
    return out;
  }
  const byId = new Map<number, SpanObject>();
  for (const span of segment.spans) {
    if (byId.has(span.spanId)) {
      out.push(violation('span.duplicate-id', segment, span.spanId, `span id ${span.spanId} appears more than once`));
    } else {
      byId.set(span.spanId, span);
    }
  }
  const first = byId.get(0);
  if (first === undefined) {
    out.push(violation('span.first', segment, undefined, 'no span with spanId 0; the OAP reads the segment identity from span 0'));
  } else if (first.parentSpanId !== -1) {
    out.push(violation('span.first', segment, 0, `span 0 has parentSpanId ${first.parentSpanId}, expected -1`));
  }
  for (const span of segment.spans) {
    checkSpan(segment, span, byId, out);
  }
  return out;
}

function checkSegmentFields(segment: SegmentObject, out: Violation[]): void {
  const blanks = (['traceId', 'traceSegmentId', 'service', 'serviceInstance'] as const).filter(
    (field) => segment[field] === '',
  );
  if (blanks.length > 0) {
    out.push(violation('segment.ids', segment, undefined, `empty ${blanks.join(', ')}`));
  }
  for (const field of ['traceId', 'traceSegmentId'] as const) {
    if (segment[field].length > MAX_ID_LENGTH) {
      out.push(violation('segment.id-length', segment, undefined, `${field} has ${segment[field].length} characters (max ${MAX_ID_LENGTH})`));
    }
  }
  if (segment.service.length > MAX_SERVICE_NAME_LENGTH) {
    out.push(violation('segment.name-length', segment, undefined, `service name has ${segment.service.length} characters; the OAP keeps ${MAX_SERVICE_NAME_LENGTH}`));
  }
  if (segment.serviceInstance.length > MAX_INSTANCE_NAME_LENGTH) {
    out.push(violation('segment.name-length', segment, undefined, `instance name has ${segment.serviceInstance.length} characters; the OAP keeps ${MAX_INSTANCE_NAME_LENGTH}`));
  }
}

function checkSpan(segment: SegmentObject, span: SpanObject, byId: Map<number, SpanObject>, out: Violation[]): void {
  const id = span.spanId;
  if (span.parentSpanId === -1) {
    if (id !== 0) out.push(violation('span.parent', segment, id, `span ${id} has parentSpanId -1 but only span 0 may be a root`));
  } else if (span.parentSpanId === id) {
    out.push(violation('span.parent', segment, id, `span ${id} is its own parent`));
  } else if (!byId.has(span.parentSpanId)) {
    out.push(violation('span.parent', segment, id, `parentSpanId ${span.parentSpanId} is not a span of this segment`));
  }
  if (span.spanType !== SpanType.Entry && span.spanType !== SpanType.Exit && span.spanType !== SpanType.Local) {
    out.push(violation('span.type', segment, id, `unknown spanType ${span.spanType}`));
  }
  if (!(span.spanLayer >= 0 && span.spanLayer <= MAX_SPAN_LAYER)) {
    out.push(violation('span.type', segment, id, `unknown spanLayer ${span.spanLayer}`));
  }
  if (span.operationName === '') {
    out.push(violation('span.operation-name', segment, id, 'empty operationName'));
  } else if (span.spanType === SpanType.Entry && span.operationName.length > MAX_ENDPOINT_NAME_LENGTH) {
    out.push(violation('span.endpoint-length', segment, id, `entry operationName has ${span.operationName.length} characters; the OAP keeps ${MAX_ENDPOINT_NAME_LENGTH}`));
  }
  if (span.spanType === SpanType.Exit && span.peer === '') {
    out.push(violation('span.exit-peer', segment, id, `exit span "${span.operationName}" has no peer; the OAP draws no edge for it`));
  }
  checkTimes(segment, span, byId, out);
  checkTags(segment, span, out);
  checkRefs(segment, span, out);
}

function checkTimes(segment: SegmentObject, span: SpanObject, byId: Map<number, SpanObject>, out: Violation[]): void {
  const id = span.spanId;
  if (!isEpochMs(span.startTime) || !isEpochMs(span.endTime)) {
    out.push(violation('span.time-unit', segment, id, `startTime ${span.startTime} / endTime ${span.endTime} are not epoch milliseconds`));
    return;
  }
  if (span.endTime < span.startTime) {
    out.push(violation('span.time-order', segment, id, `endTime ${span.endTime} is before startTime ${span.startTime}`));
  }
  const parent = span.parentSpanId === id ? undefined : byId.get(span.parentSpanId);
  if (parent !== undefined && isEpochMs(parent.startTime) && span.startTime < parent.startTime) {
    out.push(violation('span.time-order', segment, id, `starts ${parent.startTime - span.startTime} ms before its parent span ${parent.spanId}`));
  }
}

function checkTags(segment: SegmentObject, span: SpanObject, out: Violation[]): void {
  for (const tag of span.tags) {
    if ((tag.key === SwTag.HTTP_STATUS_CODE || tag.key === 'status_code') && !INTEGER.test(tag.value)) {
      out.push(violation('tag.http-status-code', segment, span.spanId, `${tag.key}="${tag.value}" is not an integer; the OAP ignores it`));
    }
    if (SEARCHABLE_TAG_KEYS.has(tag.key) && tag.key.length + 1 + tag.value.length > MAX_SEARCHABLE_TAG_LENGTH) {
      out.push(violation('tag.searchable-length', segment, span.spanId, `tag ${tag.key} is longer than ${MAX_SEARCHABLE_TAG_LENGTH} characters; the OAP does not index it`));
    }
  }
}

function checkRefs(segment: SegmentObject, span: SpanObject, out: Violation[]): void {
  for (const ref of span.refs) {
    const blanks: string[] = [];
    if (ref.traceId === '') blanks.push('traceId');
    if (ref.parentTraceSegmentId === '') blanks.push('parentTraceSegmentId');
    if (ref.parentService === '') blanks.push('parentService');
    if (ref.parentServiceInstance === '') blanks.push('parentServiceInstance');
    if (blanks.length > 0) {
      out.push(violation('ref.fields', segment, span.spanId, `ref has empty ${blanks.join(', ')}`));
    }
    if (!(ref.parentSpanId >= 0)) {
      out.push(violation('ref.fields', segment, span.spanId, `ref parentSpanId is ${ref.parentSpanId}; it must name a span (>= 0)`));
    }
    if (ref.traceId !== '' && ref.traceId !== segment.traceId) {
      out.push(violation('ref.trace-id', segment, span.spanId, `ref traceId ${ref.traceId} differs from the segment's ${segment.traceId}`));
    }
    if (ref.refType === RefType.CrossProcess && span.spanType === SpanType.Entry && ref.networkAddressUsedAtPeer === '') {
      out.push(violation('ref.network-address', segment, span.spanId, 'CrossProcess ref without networkAddressUsedAtPeer; the client edge cannot join this service'));
    }
    if (ref.parentEndpoint === '') {
      out.push(violation('ref.parent-endpoint', segment, span.spanId, 'ref has no parentEndpoint; the OAP shows the calling endpoint as "User"'));
    }
  }
}
