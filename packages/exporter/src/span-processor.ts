/**
 * SkyWalkingSpanProcessor: register it on a TracerProvider and the service shows up in SkyWalking.
 *
 * It drives core's SegmentTracker (segment and span ids at span start, refs from sw8), holds each
 * segment's ended spans until the segment ends, then hands them to an OpenTelemetry
 * BatchSpanProcessor together, so they reach SkyWalkingTraceExporter contiguously and a segment is
 * sent whole (a segment split by the batch size is joined by the exporter). A segment that does
 * not fit in the queue is dropped whole; evicted segments are sent incomplete but valid. Every
 * drop is counted in getStats().
 */
import * as api from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import * as core from '@otel-skywalking/core';
import type { Segment, SegmentEndReason } from '@otel-skywalking/core';
import { TRANSMISSION_LATENCY_ATTRIBUTE } from './attributes';
import { resolveExporterConfig, resolveProcessorConfig, type ProcessorConfig } from './config';
import { registerExporterMetrics } from './exporter-metrics';
import { ExporterStats } from './exporter-stats';
import { SegmentHandovers } from './segment-handover';
import { settleWithin } from './settle-within';
import { hrTimeToMillis } from './span-conversion';
import { SkyWalkingTraceExporter } from './trace-exporter';
import type { SkyWalkingSpanProcessorOptions, SkyWalkingSpanProcessorStats } from './types';

// Bound once: package indexes re-export through getters, which cost a call on every use.
const { SpanKind, TraceFlags, diag } = api;
const { SegmentTracker, ThrottledDiag, getSw8Extension, swSpanOf } = core;

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

/** Ended spans of one open segment. */
interface HeldSegment {
  spans: ReadableSpan[];
  /** Spans were left out (span limit): the segment is sent with isSizeLimited. */
  sizeLimited: boolean;
  /** Dropped whole (held-span cap); later spans of it are counted and let go. */
  dropped: boolean;
}

export class SkyWalkingSpanProcessor implements SpanProcessor {
  private readonly config: ProcessorConfig;
  private readonly stats = new ExporterStats();
  private readonly log = new ThrottledDiag();
  private readonly tracker: core.SegmentTracker;
  private readonly exporter: SkyWalkingTraceExporter;
  private readonly batcher: BatchSpanProcessor;
  private readonly held = new Map<Segment, HeldSegment>();
  private readonly handovers: SegmentHandovers;
  private heldSpans = 0;
  /** Spans given to the batch processor, and taken from it by exports: the difference is its queue. */
  private handed = 0;
  private taken = 0;
  private lastResource: unknown;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: SkyWalkingSpanProcessorOptions = {}) {
    const config = resolveProcessorConfig(options);
    this.config = config;
    const exporterConfig = resolveExporterConfig(options);
    // The exporter answers before the batch processor's own timeout fires (it would log and overlap).
    exporterConfig.timeoutMillis = Math.max(1, Math.min(exporterConfig.timeoutMillis, Math.floor(config.exportTimeoutMillis * 0.9)));
    exporterConfig.connectTimeoutMillis = Math.min(exporterConfig.connectTimeoutMillis, exporterConfig.timeoutMillis);
    this.tracker = new SegmentTracker({
      maxOpenSegments: config.maxOpenSegments,
      maxSegmentAgeMs: config.maxSegmentAgeMs,
      onSegmentEnd: (segment, reason) => this.segmentEnded(segment, reason),
    });
    // At most one entry per segment in the queue (each has at least one span) or being exported.
    this.handovers = new SegmentHandovers(2 * config.maxQueueSize);
    this.exporter = new SkyWalkingTraceExporter(options, {
      handovers: this.handovers,
      config: exporterConfig,
      stats: this.stats,
      // one segment split over batches at a time, normally; the queue size bounds it anyway
      maxAssemblingSpans: config.maxQueueSize,
      maxAssemblingAgeMs: config.scheduledDelayMillis + 2 * config.exportTimeoutMillis,
      shutdownTimeoutMillis: config.shutdownTimeoutMillis,
    });
    const exporter = this.exporter;
    const batchExporter: SpanExporter = {
      export: (spans, resultCallback) => {
        this.taken += spans.length;
        // Drops are counted in the stats and logged throttled; a FAILED result would make the batch
        // processor log every failed batch through the global error handler.
        exporter.export(spans, () => resultCallback(SUCCESS));
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush(),
    };
    this.batcher = new BatchSpanProcessor(batchExporter, {
      maxQueueSize: config.maxQueueSize,
      maxExportBatchSize: config.maxExportBatchSize,
      scheduledDelayMillis: config.scheduledDelayMillis,
      exportTimeoutMillis: config.exportTimeoutMillis,
    });
    if (options.meterProvider !== undefined) {
      registerExporterMetrics(options.meterProvider, () => this.getStats(), this.stats);
    }
  }

  onStart(span: Span, parentContext: Context): void {
    if (this.shutdownPromise !== undefined) return;
    this.tracker.onStart(span, parentContext);
    if (span.resource !== this.lastResource) {
      this.lastResource = span.resource;
      this.exporter.observeResource(span.resource);
    }
    if (span.kind === SpanKind.CONSUMER) this.recordTransmissionLatency(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
    if (this.shutdownPromise !== undefined) {
      if (sampled) this.stats.drop('shutdown', 1, 0);
      return;
    }
    const sw = swSpanOf(span);
    if (sw === undefined || sw.segment.owner !== this.tracker) {
      // Tracked by another tracker (or by none): the exporter groups it as best it can.
      if (sampled) this.handOver(undefined, [span], false);
      return;
    }
    if (sampled) this.hold(span, sw.segment, sw.spanId);
    this.tracker.onEnd(span);
  }

  forceFlush(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    const flush = async (): Promise<void> => {
      await this.batcher.forceFlush().catch((err: unknown) => diag.debug('otel-skywalking: batch flush failed', err));
      await this.exporter.forceFlush();
    };
    return settleWithin(flush(), this.config.shutdownTimeoutMillis);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.shutdownNow();
    return this.shutdownPromise;
  }

  getStats(): SkyWalkingSpanProcessorStats {
    return {
      ...this.exporter.getStats(),
      queuedSpans: this.handed - this.taken,
      heldSpans: this.heldSpans,
      heldSegments: this.held.size,
      tracker: this.tracker.getStats(),
    };
  }

  private recordTransmissionLatency(span: Span, parentContext: Context): void {
    const sent = getSw8Extension(parentContext)?.sendTimestamp;
    if (sent === undefined || span.attributes[TRANSMISSION_LATENCY_ATTRIBUTE] !== undefined) return;
    span.setAttribute(TRANSMISSION_LATENCY_ATTRIBUTE, Math.max(0, hrTimeToMillis(span.startTime) - sent));
  }

  private hold(span: ReadableSpan, segment: Segment, spanId: number): void {
    if (segment.finished) {
      // its segment was already sent incomplete (evicted by age or by the open-segment cap)
      this.stats.drop('segment_closed', 1, 0);
      return;
    }
    let held = this.held.get(segment);
    if (held === undefined) {
      held = { spans: [], sizeLimited: false, dropped: false };
      this.held.set(segment, held);
    }
    if (held.dropped) {
      this.stats.drop('held_full', 1, 0);
      return;
    }
    if (spanId >= this.config.maxSpansPerSegment) {
      this.stats.drop('span_limit', 1, 0);
      held.sizeLimited = true;
      return;
    }
    if (this.heldSpans >= this.config.maxHeldSpans) {
      // The newest data goes: the segment growing now is dropped whole, never sent with gaps.
      this.stats.drop('held_full', held.spans.length + 1, 1);
      this.heldSpans -= held.spans.length;
      held.spans = [];
      held.dropped = true;
      this.log.warn('held_full', `more than ${this.config.maxHeldSpans} spans of open segments held; dropping segments`);
      return;
    }
    held.spans.push(span);
    this.heldSpans++;
  }

  private segmentEnded(segment: Segment, reason: SegmentEndReason): void {
    const held = this.held.get(segment);
    if (held === undefined) return;
    this.held.delete(segment);
    if (held.dropped) return;
    this.heldSpans -= held.spans.length;
    if (held.spans.length === 0) return;
    this.handOver(segment, held.spans, held.sizeLimited || reason === 'evicted');
  }

  /** Gives a whole segment's spans to the batch processor, or drops them all when they do not fit. */
  private handOver(segment: Segment | undefined, spans: ReadableSpan[], sizeLimited: boolean): void {
    // While the circuit is open the exporter would drop the segment anyway: drop it here, so an
    // outage does not keep a full queue of spans alive.
    const refusal = this.exporter.refusal();
    if (refusal !== undefined) {
      this.stats.drop(refusal, spans.length, segment === undefined ? 0 : 1);
      return;
    }
    const queued = this.handed - this.taken;
    if (queued + spans.length > this.config.maxQueueSize) {
      this.stats.drop('queue_full', spans.length, segment === undefined ? 0 : 1);
      this.log.warn('queue_full', `the export queue (${this.config.maxQueueSize} spans) is full; dropping segments`);
      return;
    }
    if (segment !== undefined) this.handovers.record(segment, { spanCount: spans.length, sizeLimited });
    this.handed += spans.length;
    for (let i = 0; i < spans.length; i++) this.batcher.onEnd(spans[i]);
  }

  private async shutdownNow(): Promise<void> {
    // Segments still open are sent with what ended so far (incomplete, marked isSizeLimited).
    for (const [segment, held] of this.held) {
      if (!held.dropped && held.spans.length > 0) this.handOver(segment, held.spans, true);
    }
    this.held.clear();
    this.heldSpans = 0;
    await this.tracker.shutdown();
    await settleWithin(this.batcher.shutdown(), this.config.shutdownTimeoutMillis);
    this.exporter.abort();
  }
}
