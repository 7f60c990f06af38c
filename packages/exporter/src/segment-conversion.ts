/**
 * An assembled segment → SegmentObject: each span through SpanConverter, placeholders for the
 * missing ones, the segment's reference on span 0, OAP limits on ids and names.
 */
import * as core from '@otel-skywalking/core';
import type { SegmentObject, SegmentReference, SpanObject } from '@otel-skywalking/core/protocol';
import type { AssembledSegment } from './segment-assembler';
import { hrTimeToMillis, type SpanConverter } from './span-conversion';

// Bound once: the package index re-exports through getters.
const { MAX_ID_LENGTH, MAX_INSTANCE_NAME_LENGTH, MAX_SERVICE_NAME_LENGTH } = core;

const NO_REFS: SegmentReference[] = [];

export function toSegmentObject(segment: AssembledSegment, converter: SpanConverter): SegmentObject {
  const slots = segment.spans;
  const ref = segment.ref === undefined ? undefined : converter.toReference(segment.ref);
  const spans: SpanObject[] = new Array(slots.length);
  let holes = false;
  for (let id = 0; id < slots.length; id++) {
    const span = slots[id];
    const refs = id === 0 && ref !== undefined ? [ref] : NO_REFS;
    if (span === undefined) {
      holes = true;
      continue;
    }
    spans[id] = converter.toSpanObject(span, id, segment.parents[id], refs, segment.skipAnalysis);
  }
  if (holes) {
    // Placeholders cover the time of the spans that are there, so no child starts before its parent.
    let start = Number.MAX_SAFE_INTEGER;
    let end = 0;
    for (const span of slots) {
      if (span === undefined) continue;
      start = Math.min(start, hrTimeToMillis(span.startTime));
      end = Math.max(end, span.ended ? hrTimeToMillis(span.endTime) : 0);
    }
    if (start === Number.MAX_SAFE_INTEGER) start = end = Date.now();
    for (let id = 0; id < slots.length; id++) {
      if (slots[id] !== undefined) continue;
      spans[id] = converter.placeholder(id, segment.parents[id], start, end, id === 0 && ref !== undefined ? [ref] : NO_REFS);
    }
  }
  return {
    traceId: converter.cut(segment.traceId, MAX_ID_LENGTH),
    traceSegmentId: converter.cut(segment.segmentId, MAX_ID_LENGTH),
    spans,
    service: converter.cut(segment.service, MAX_SERVICE_NAME_LENGTH),
    serviceInstance: converter.cut(segment.instance, MAX_INSTANCE_NAME_LENGTH),
    isSizeLimited: segment.sizeLimited || holes,
  };
}
