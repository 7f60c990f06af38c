/**
 * The queue step of SkyWalkingSpanProcessor: whole segments, encoded when they ended, wait here for
 * the next batch. It keeps OpenTelemetry's BatchSpanProcessor semantics and settings (maxQueueSize
 * and maxExportBatchSize count spans; a batch leaves when maxExportBatchSize spans are queued or
 * scheduledDelayMillis after the first one; one batch in flight at a time; a batch that has not
 * called back within exportTimeoutMillis no longer holds up the next; the timer does not keep the
 * process alive; forceFlush() sends everything queued), with the same OTEL_BSP_* variables
 * (config.ts resolves them). It holds encoded segments, not spans: docs/benchmarks.md ("The queue")
 * has the measurement that made it the processor's own.
 *
 * The caller checks room() before it offers, so nothing is ever dropped in here and every drop is
 * counted (queue_full) before the span's end() returns. Segments are never split over batches.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { EncodedSegment } from './encoding/segment-collection';

/** What the queue's settings are. */
export interface ExportQueueSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/**
 * Sends one batch: segments already encoded, and spans of segments this processor does not track
 * (grouped by the exporter). Calls `done` once, whatever happened (drops are counted there).
 */
export type ExportBatch = (segments: EncodedSegment[], spans: ReadableSpan[], done: () => void) => void;

export class ExportQueue {
  private segments: EncodedSegment[] = [];
  private spans: ReadableSpan[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private exporting = false;

  constructor(
    private readonly settings: ExportQueueSettings,
    private readonly exportBatch: ExportBatch,
  ) {}

  /** Spans waiting in the queue. */
  get queuedSpans(): number {
    return this.queued;
  }

  /** Whether `spanCount` more spans fit. */
  room(spanCount: number): boolean {
    return this.queued + spanCount <= this.settings.maxQueueSize;
  }

  /** Queues an encoded segment; the caller checked room(). */
  offerSegment(segment: EncodedSegment): void {
    this.segments.push(segment);
    this.queued += segment.spanCount;
    this.schedule();
  }

  /** Queues a span of a segment another tracker owns; the caller checked room(). */
  offerSpan(span: ReadableSpan): void {
    this.spans.push(span);
    this.queued++;
    this.schedule();
  }

  /** Sends everything queued now, in batches; resolves when each has called back or timed out. */
  flushAll(): Promise<void> {
    this.clearTimer();
    const batches: Array<Promise<void>> = [];
    while (this.queued > 0) batches.push(this.sendOneBatch());
    return Promise.all(batches).then(ignore);
  }

  /** Stops the timer; what is queued stays until flushAll(). */
  stop(): void {
    this.clearTimer();
  }

  private schedule(): void {
    if (this.exporting) return;
    if (this.queued >= this.settings.maxExportBatchSize) {
      this.clearTimer();
      this.exportNext();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exportNext();
    }, this.settings.scheduledDelayMillis);
    this.timer.unref();
  }

  private exportNext(): void {
    this.exporting = true;
    void this.sendOneBatch().then(() => {
      this.exporting = false;
      if (this.queued > 0) this.schedule();
    });
  }

  /** Takes up to maxExportBatchSize spans (at least one entry, whole segments) and sends them. */
  private sendOneBatch(): Promise<void> {
    this.clearTimer();
    const max = this.settings.maxExportBatchSize;
    let taken = 0;
    let segmentCount = 0;
    const segments = this.segments;
    while (segmentCount < segments.length && (taken === 0 || taken + segments[segmentCount].spanCount <= max)) {
      taken += segments[segmentCount++].spanCount;
    }
    const batchSegments = segmentCount === segments.length ? segments : segments.splice(0, segmentCount);
    if (batchSegments === segments) this.segments = [];
    const spanCount = Math.min(this.spans.length, Math.max(0, max - taken));
    const batchSpans = spanCount === this.spans.length ? this.spans : this.spans.splice(0, spanCount);
    if (batchSpans === this.spans) this.spans = [];
    this.queued -= taken + batchSpans.length;
    if (batchSegments.length === 0 && batchSpans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // Past the export timeout the next batch may start; the late callback is ignored.
      const timeout = setTimeout(resolve, this.settings.exportTimeoutMillis);
      timeout.unref();
      this.exportBatch(batchSegments, batchSpans, () => {
        clearTimeout(timeout);
        resolve();
      });
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

function ignore(): void {}
