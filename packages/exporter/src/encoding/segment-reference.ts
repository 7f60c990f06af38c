/** SegmentReference (language-agent/Tracing.proto): a span's parent in another segment. */
import type { SegmentReference } from '@otel-skywalking/core/protocol';
import type { WireWriter } from './wire';

/** SegmentReference's field numbers. */
const enum SegmentReferenceField {
  refType = 1,
  traceId = 2,
  parentTraceSegmentId = 3,
  parentSpanId = 4,
  parentService = 5,
  parentServiceInstance = 6,
  parentEndpoint = 7,
  networkAddressUsedAtPeer = 8,
}

/** Writes the reference as field `field` of the message being written. */
export function writeSegmentReference(w: WireWriter, field: number, ref: SegmentReference): void {
  const mark = w.begin(field, 1);
  w.int32(SegmentReferenceField.refType, ref.refType);
  w.str(SegmentReferenceField.traceId, ref.traceId);
  w.str(SegmentReferenceField.parentTraceSegmentId, ref.parentTraceSegmentId);
  w.int32(SegmentReferenceField.parentSpanId, ref.parentSpanId);
  w.str(SegmentReferenceField.parentService, ref.parentService);
  w.str(SegmentReferenceField.parentServiceInstance, ref.parentServiceInstance);
  w.str(SegmentReferenceField.parentEndpoint, ref.parentEndpoint);
  w.str(SegmentReferenceField.networkAddressUsedAtPeer, ref.networkAddressUsedAtPeer);
  w.end(mark, 1);
}
