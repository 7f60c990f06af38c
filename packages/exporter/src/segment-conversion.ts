/**
 * An assembled segment → SegmentObject: each span through SpanConverter, placeholders for the
 * missing ones, the segment's reference on span 0, OAP limits on ids and names.
 */
import * as core from '@otel-skywalking/core';
import type { SegmentObject, SegmentReference, SpanObject } from '@otel-skywalking/core/protocol';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AssembledSegment } from './segment-assembler';
import type { SegmentEncoder } from './encoding/segment-object';
import { hrTimeToMillis, type SpanConverter } from './span-conversion';

// Bound once: the package index re-exports through getters.
const { MAX_ID_LENGTH, MAX_INSTANCE_NAME_LENGTH, MAX_SERVICE_NAME_LENGTH } = core;

const NO_REFS: SegmentReference[] = [];

export function toSegmentObject(segment: AssembledSegment, converter: SpanConverter): SegmentObject {
  const slots = segment.spans;
  const ref = segment.ref === undefined ? undefined : converter.toReference(segment.ref);
  const window = placeholderWindow(slots);
  const spans: SpanObject[] = new Array(slots.length);
  for (let id = 0; id < slots.length; id++) {
    const span = slots[id];
    const refs = id === 0 && ref !== undefined ? [ref] : NO_REFS;
    spans[id] =
      span === undefined
        ? converter.placeholder(id, segment.parents[id], window![0], window![1], refs)
        : converter.toSpanObject(span, id, segment.parents[id], refs, segment.skipAnalysis);
  }
  return {
    traceId: converter.cut(segment.traceId, MAX_ID_LENGTH),
    traceSegmentId: converter.cut(segment.segmentId, MAX_ID_LENGTH),
    spans,
    service: converter.cut(segment.service, MAX_SERVICE_NAME_LENGTH),
    serviceInstance: converter.cut(segment.instance, MAX_INSTANCE_NAME_LENGTH),
    isSizeLimited: segment.sizeLimited || window !== undefined,
  };
}

/**
 * toSegmentObject and SegmentEncoder.encode in one pass, as the export path does it: the same
 * SegmentObject bytes, without an object per tag or a SegmentObject in between.
 */
export function encodeAssembled(segment: AssembledSegment, converter: SpanConverter, encoder: SegmentEncoder): Buffer {
  const slots = segment.spans;
  const ref = segment.ref === undefined ? undefined : converter.toReference(segment.ref);
  const window = placeholderWindow(slots);
  encoder.open(converter.cut(segment.traceId, MAX_ID_LENGTH), converter.cut(segment.segmentId, MAX_ID_LENGTH));
  for (let id = 0; id < slots.length; id++) {
    const span = slots[id];
    const refs = id === 0 && ref !== undefined ? [ref] : NO_REFS;
    if (span === undefined) {
      encoder.span(converter.placeholder(id, segment.parents[id], window![0], window![1], refs));
    } else {
      const mark = encoder.openSpan();
      encoder.closeSpan(mark, converter.toSpanObject(span, id, segment.parents[id], refs, segment.skipAnalysis, encoder));
    }
  }
  return encoder.close(
    converter.cut(segment.service, MAX_SERVICE_NAME_LENGTH),
    converter.cut(segment.instance, MAX_INSTANCE_NAME_LENGTH),
    segment.sizeLimited || window !== undefined,
  );
}

/**
 * The time placeholders for missing spans cover, that of the spans that are there, so no child
 * starts before its parent; undefined when no span is missing.
 */
function placeholderWindow(slots: readonly (ReadableSpan | undefined)[]): [number, number] | undefined {
  if (!slots.includes(undefined)) return undefined;
  let start = Number.MAX_SAFE_INTEGER;
  let end = 0;
  for (const span of slots) {
    if (span === undefined) continue;
    start = Math.min(start, hrTimeToMillis(span.startTime));
    end = Math.max(end, span.ended ? hrTimeToMillis(span.endTime) : 0);
  }
  if (start === Number.MAX_SAFE_INTEGER) start = end = Date.now();
  return [start, end];
}
