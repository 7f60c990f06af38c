/**
 * SegmentObject (language-agent/Tracing.proto), the message the exporter sends per segment.
 * SegmentEncoder writes one in a single pass into a reused scratch buffer (WireWriter) and copies
 * it out once: as a whole (encode) or piece by piece as segment-conversion's encodeAssembled
 * converts the spans (open, span() or openSpan() / tag() ... / closeSpan() per span, close()).
 */
import type { SegmentObject, SpanObject } from '@otel-skywalking/core/protocol';
import type { TagKey, TagSink } from '../span-conversion';
import { SpanObjectField, closeSpanObject, openSpanObject, writeEncodedSpanTag } from './span-object';
import { KeptStringField, WireWriter } from './wire';

/** SegmentObject's field numbers. */
const enum SegmentObjectField {
  traceId = 1,
  traceSegmentId = 2,
  spans = 3,
  service = 4,
  serviceInstance = 5,
  isSizeLimited = 6,
}

export class SegmentEncoder implements TagSink {
  private readonly w = new WireWriter();
  // the same for every segment of a process, and a client's peer for many of its spans
  private readonly service = new KeptStringField(SegmentObjectField.service);
  private readonly serviceInstance = new KeptStringField(SegmentObjectField.serviceInstance);
  private readonly peer = new KeptStringField(SpanObjectField.peer);

  /** Encodes one segment into a fresh Buffer. */
  encode(segment: SegmentObject): Buffer {
    this.open(segment.traceId, segment.traceSegmentId);
    const spans = segment.spans;
    for (let i = 0; i < spans.length; i++) this.span(spans[i]);
    return this.close(segment.service, segment.serviceInstance, segment.isSizeLimited);
  }

  open(traceId: string, traceSegmentId: string): void {
    const w = this.w;
    w.reset();
    w.str(SegmentObjectField.traceId, traceId);
    w.str(SegmentObjectField.traceSegmentId, traceSegmentId);
  }

  close(service: string, serviceInstance: string, isSizeLimited: boolean): Buffer {
    const w = this.w;
    this.service.write(w, service);
    this.serviceInstance.write(w, serviceInstance);
    if (isSizeLimited) w.bool(SegmentObjectField.isSizeLimited, true);
    return w.finish();
  }

  span(span: SpanObject): void {
    this.closeSpan(this.openSpan(), span);
  }

  /** Starts a span; tag() calls until closeSpan() write its tags. */
  openSpan(): number {
    return openSpanObject(this.w, SegmentObjectField.spans);
  }

  /** A tag of the span being written. */
  tag(key: TagKey, value: string): void {
    writeEncodedSpanTag(this.w, key.encoded, value);
  }

  /** Writes the span's other fields and ends it. */
  closeSpan(mark: number, span: SpanObject): void {
    closeSpanObject(this.w, mark, span, this.peer);
  }
}
