/**
 * SkyWalkingSpanProcessor: register it on a TracerProvider and the service shows up in SkyWalking.
 *
 * It drives core's SegmentTracker (segment and span ids at span start, refs from sw8), holds each
 * segment's ended spans until the segment ends (assemble), then converts and encodes the segment at
 * once (SegmentExport.encodeSegment) and queues the bytes (ExportQueue: the BatchSpanProcessor's
 * semantics and OTEL_BSP_* settings); each batch goes to SegmentExport, the export path
 * SkyWalkingTraceExporter composes too, which sends it. A segment that does not fit in the queue is
 * dropped whole; evicted segments are sent incomplete but valid. Every drop is counted in getStats().
 *
 * Why encode before queueing: spans waiting in the queue for the next batch lived long enough to
 * be copied by V8's young-generation collections and promoted to the old generation, which then
 * had to be collected too. A queued segment is a few hundred bytes outside the JS heap. Real spans
 * through OpenTelemetry's BatchSpanProcessor cost more instructions per request: docs/benchmarks.md.
 */
import * as api from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as core from '@otel-skywalking/core';
import type { HeldSpans, Segment, SegmentEndReason } from '@otel-skywalking/core';
import { TRANSMISSION_LATENCY_ATTRIBUTE } from './attributes';
import { resolveExporterConfig, resolveProcessorConfig, type ProcessorConfig } from './config';
import { registerExporterMetrics } from './exporter-metrics';
import { ExporterStats } from './exporter-stats';
import { ExportQueue } from './export-queue';
import { assembleSegment } from './segment-assembler';
import { SegmentExport } from './segment-export';
import type { SkyWalkingSpanProcessorOptions, SkyWalkingSpanProcessorStats } from './types';

// Bound once: package indexes re-export through getters, which cost a call on every use.
const { SpanKind, TraceFlags } = api;
const { SegmentTracker, ThrottledDiag, checkSw8Propagation, isLeftOut, settleWithin, swSpanOf, transmissionLatency } = core;
// Annotated: a destructured symbol loses its unique type, which indexes Segment's slot.
const HELD_SPANS: typeof core.HELD_SPANS = core.HELD_SPANS;

/**
 * An open segment's ended spans wait for the rest on the segment itself, in the slot core declares
 * for this processor (HELD_SPANS, core's symbols.ts). Only hold() writes it, always with SDK spans.
 */
function heldOf(segment: Segment): HeldSpans<ReadableSpan> | undefined {
  return segment[HELD_SPANS] as HeldSpans<ReadableSpan> | undefined;
}

export class SkyWalkingSpanProcessor implements SpanProcessor {
  private readonly config: ProcessorConfig;
  private readonly stats = new ExporterStats();
  private readonly log = new ThrottledDiag();
  private readonly tracker: core.SegmentTracker;
  /** The export path SkyWalkingTraceExporter composes too: serializer, assembler for loose spans, transport. */
  private readonly exporter: SegmentExport;
  private readonly queue: ExportQueue;
  private heldSegments = 0;
  private heldSpans = 0;
  private lastResource: unknown;
  /** The sw8 propagator check runs at the first span: setups register the propagator after the processor. */
  private propagationChecked = false;
  private shutdownPromise: Promise<void> | undefined;

  /** `env`: where the SW_AGENT_* and OTEL_BSP_* variables are read (default process.env). */
  constructor(options: SkyWalkingSpanProcessorOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    const config = resolveProcessorConfig(options, env);
    this.config = config;
    const exporterConfig = resolveExporterConfig(options, env);
    // The exporter answers before the batch processor's own timeout fires (it would log and overlap).
    exporterConfig.timeoutMillis = Math.max(1, Math.min(exporterConfig.timeoutMillis, Math.floor(config.exportTimeoutMillis * 0.9)));
    exporterConfig.connectTimeoutMillis = Math.min(exporterConfig.connectTimeoutMillis, exporterConfig.timeoutMillis);
    this.tracker = new SegmentTracker({
      maxOpenSegments: config.maxOpenSegments,
      maxSegmentAgeMillis: config.maxSegmentAgeMillis,
      onSegmentEnd: (segment, reason) => this.segmentEnded(segment, reason),
    });
    this.exporter = new SegmentExport(exporterConfig, this.stats, {
      // spans of segments another tracker owns, gathered until their segment is complete
      maxAssemblingSpans: config.maxQueueSize,
      maxAssemblingAgeMs: config.scheduledDelayMillis + 2 * config.exportTimeoutMillis,
      shutdownTimeoutMillis: config.shutdownTimeoutMillis,
    });
    const exporter = this.exporter;
    this.queue = new ExportQueue(config, (segments, spans, done) => {
      // Drops are counted in the stats and logged throttled; the result only says when it is over.
      let waiting = spans.length === 0 ? 1 : 2;
      const settled = (): void => {
        if (--waiting === 0) done();
      };
      exporter.exportEncoded(segments, settled);
      if (spans.length > 0) exporter.exportSpans(spans, settled);
    });
    if (options.meterProvider !== undefined) {
      registerExporterMetrics(options.meterProvider, () => this.getStats(), this.stats, { queueCapacity: config.maxQueueSize });
    }
  }

  onStart(span: Span, parentContext: Context): void {
    if (this.shutdownPromise !== undefined) return;
    if (!this.propagationChecked) {
      this.propagationChecked = true;
      checkSw8Propagation();
    }
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
    if (sw === undefined && isLeftOut(span)) return; // a connection span outside any segment, counted by the tracker
    if (sw === undefined || sw.segment.owner !== this.tracker) {
      // Tracked by another tracker (or by none): the exporter groups it as best it can.
      if (sampled && this.admit(1, 0)) this.queue.offerSpan(span);
      return;
    }
    if (sampled) this.hold(span, sw.segment, sw.spanId);
    this.tracker.onEnd(span);
  }

  forceFlush(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    const flush = async (): Promise<void> => {
      await this.queue.flushAll();
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
      ...this.exporter.snapshot(),
      queuedSpans: this.queue.queuedSpans,
      heldSpans: this.heldSpans,
      heldSegments: this.heldSegments,
      tracker: this.tracker.getStats(),
    };
  }

  private recordTransmissionLatency(span: Span, parentContext: Context): void {
    if (span.attributes[TRANSMISSION_LATENCY_ATTRIBUTE] !== undefined) return;
    // onStart runs as the span starts: the wall clock now is its start (see transmissionLatency).
    const latency = transmissionLatency(parentContext);
    if (latency !== undefined) span.setAttribute(TRANSMISSION_LATENCY_ATTRIBUTE, latency);
  }

  private hold(span: ReadableSpan, segment: Segment, spanId: number): void {
    if (segment.finished) {
      // its segment was already sent incomplete (evicted by age or by the open-segment cap)
      this.stats.drop('segment_closed', 1, 0);
      return;
    }
    let held = heldOf(segment);
    if (held === undefined) {
      held = { spans: [], sizeLimited: false, dropped: false };
      segment[HELD_SPANS] = held;
      this.heldSegments++;
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
    const held = heldOf(segment);
    if (held === undefined) return;
    segment[HELD_SPANS] = undefined;
    this.heldSegments--;
    if (held.dropped) return;
    this.heldSpans -= held.spans.length;
    if (held.spans.length === 0) return;
    this.handOver(segment, held.spans, held.sizeLimited || reason === 'evicted');
  }

  /** Encodes a whole segment and queues it, or drops it whole when it would not fit. */
  private handOver(segment: Segment, spans: ReadableSpan[], sizeLimited: boolean): void {
    if (!this.admit(spans.length, 1)) return;
    // Encoding fails only on a broken span; the exporter counts and logs it.
    const encoded = this.exporter.encodeSegment(assembleSegment(segment, spans, sizeLimited));
    if (encoded !== undefined) this.queue.offerSegment(encoded);
  }

  /** Whether this many spans may be queued now; when not, they are counted as dropped. */
  private admit(spanCount: number, segmentCount: number): boolean {
    // While the circuit is open the exporter would drop the segment anyway: drop it here, so an
    // outage costs no encoding and keeps nothing queued.
    const refusal = this.exporter.refusal();
    if (refusal !== undefined) {
      this.stats.drop(refusal, spanCount, segmentCount);
      return false;
    }
    if (!this.queue.room(spanCount)) {
      this.stats.drop('queue_full', spanCount, segmentCount);
      this.log.warn('queue_full', `the export queue (${this.config.maxQueueSize} spans) is full; dropping segments`);
      return false;
    }
    return true;
  }

  private async shutdownNow(): Promise<void> {
    // Segments still open are sent with what ended so far (incomplete, marked isSizeLimited).
    for (const segment of this.tracker.openSegments()) {
      const held = heldOf(segment);
      segment[HELD_SPANS] = undefined;
      if (held !== undefined && !held.dropped && held.spans.length > 0) this.handOver(segment, held.spans, true);
    }
    this.heldSegments = 0;
    this.heldSpans = 0;
    await this.tracker.shutdown();
    const flushAndShutDown = async (): Promise<void> => {
      await this.queue.flushAll();
      await this.exporter.shutdown();
    };
    await settleWithin(flushAndShutDown(), this.config.shutdownTimeoutMillis);
    this.queue.stop();
    this.exporter.abort();
  }
}
