/**
 * SegmentSerializer: spans → encoded SegmentObjects, without sending them. The exporter's own
 * pipeline (assembly, conversion, protobuf encoding) for other transports (Kafka, files) and for
 * inspection. Spans of a segment that are not all in the call are serialized as an incomplete
 * segment (placeholders, isSizeLimited).
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SegmentObject } from '@otel-skywalking/core/protocol';
import { resolveExporterConfig } from './config';
import { ExporterStats } from './exporter-stats';
import { SegmentAssembler } from './segment-assembler';
import { encodeAssembled, toSegmentObject } from './segment-conversion';
import { SegmentEncoder } from './encoding/segment-object';
import { SpanConverter } from './span-conversion';
import type { SkyWalkingExporterOptions } from './types';

export type SegmentSerializerOptions = Pick<SkyWalkingExporterOptions, 'tagAttributes' | 'maxTagValueLength' | 'httpErrorStatusThreshold'>;

export class SegmentSerializer {
  private readonly stats = new ExporterStats();
  private readonly assembler: SegmentAssembler;
  private readonly converter: SpanConverter;
  private readonly encoder = new SegmentEncoder();

  constructor(options: SegmentSerializerOptions = {}) {
    const config = resolveExporterConfig({
      tagAttributes: options.tagAttributes,
      maxTagValueLength: options.maxTagValueLength,
      httpErrorStatusThreshold: options.httpErrorStatusThreshold,
    });
    this.assembler = new SegmentAssembler({ carry: false, maxAssemblingSpans: 0, maxAssemblingAgeMs: 0 }, this.stats);
    this.converter = new SpanConverter(config, this.stats);
  }

  /** The segments these spans form, as protocol objects. */
  toSegmentObjects(spans: readonly ReadableSpan[]): SegmentObject[] {
    return this.assembler.add(spans, Date.now()).map((segment) => toSegmentObject(segment, this.converter));
  }

  /** The segments these spans form, each protobuf-encoded as one SegmentObject message (as the exporter sends them). */
  serialize(spans: readonly ReadableSpan[]): Buffer[] {
    return this.assembler.add(spans, Date.now()).map((segment) => encodeAssembled(segment, this.converter, this.encoder));
  }

  /** Names, ids and tag values cut to the OAP limits so far. */
  get truncations(): number {
    return this.stats.truncations;
  }
}
