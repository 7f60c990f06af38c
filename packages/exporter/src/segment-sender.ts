/**
 * Sends batches of encoded segments with at most maxConcurrentStreams collect streams open and a
 * bounded number of segments waiting for one; the circuit breaker drops batches at once while the
 * OAP is failing. Every undelivered segment is counted by reason; diag lines are throttled.
 */
import { status } from '@grpc/grpc-js';
import type { ThrottledDiag } from '@otel-skywalking/core';
import { CircuitBreaker } from './circuit-breaker';
import { CollectStream, type StreamOutcome } from './collect-stream';
import { encodeSegmentCollection, type EncodedSegment } from './encoding/segment-collection';
import type { ExporterConfig } from './config';
import type { CollectorConnection } from './collector-connection';
import type { ExporterStats } from './exporter-stats';
import type { DropReason } from './types';

interface SendJob {
  segments: EncodedSegment[];
  spanCount: number;
  bytes: number;
  deadline: number;
  startedAt: number;
  done: (outcome: StreamOutcome) => void;
}

/**
 * SegmentCollection buffers are kept for the next batches when at most this large. A new buffer
 * per batch (hundreds of kB) outlived young-generation collections while its call was in flight,
 * and the promoted buffers then cost full collections (an in-process loop at 20 k requests/s:
 * 37–41 full collections per run, 24–28 with the buffer kept).
 */
const MAX_SPARE_BYTES = 4 * 1024 * 1024;
const MIN_COLLECTION_BYTES = 64 * 1024;

/** Room for a collection of `size` bytes, rounded up so that the next, slightly larger batch fits too. */
function collectionRoom(size: number): number {
  let room = MIN_COLLECTION_BYTES;
  while (room < size) room *= 2;
  return room;
}

/** Failures that say nothing about the OAP's health. */
const NOT_COLLECTOR_FAILURES: ReadonlySet<DropReason | undefined> = new Set(['circuit_open', 'pending_full', 'shutdown']);

export class SegmentSender {
  readonly breaker: CircuitBreaker;
  private readonly active = new Set<CollectStream>();
  private readonly pending: SendJob[] = [];
  /** Collection buffers of delivered batches, for the next ones (at most one per stream). */
  private readonly spare: Buffer[] = [];
  private pendingSegmentCount = 0;
  private draining = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly config: ExporterConfig,
    private readonly connection: CollectorConnection,
    private readonly stats: ExporterStats,
    private readonly log: ThrottledDiag,
  ) {
    this.breaker = new CircuitBreaker({
      failureThreshold: config.circuitFailureThreshold,
      backoffInitialMillis: config.backoffInitialMillis,
      backoffMaxMillis: config.backoffMaxMillis,
    });
  }

  private readonly channelReady = (): void => {
    this.breaker.channelReady();
  };

  get inFlight(): number {
    return this.active.size;
  }

  get pendingSegments(): number {
    return this.pendingSegmentCount;
  }

  send(segments: EncodedSegment[], done: (outcome: StreamOutcome) => void): void {
    let spanCount = 0;
    let bytes = 0;
    for (const segment of segments) {
      spanCount += segment.spanCount;
      bytes += segment.bytes.length;
    }
    const now = Date.now();
    const job: SendJob = { segments, spanCount, bytes, deadline: now + this.config.timeoutMillis, startedAt: now, done };
    const refusal = this.refusal(now);
    if (refusal === 'shutdown') {
      this.finish(job, { ok: false, reason: 'shutdown', error: new Error('the exporter is shut down') });
    } else if (refusal === 'circuit_open') {
      this.finish(job, { ok: false, reason: 'circuit_open', error: new Error('circuit to the OAP is open after repeated failures') });
    } else if (this.active.size < this.config.maxConcurrentStreams && this.pending.length === 0) {
      this.start(job);
    } else if (this.pendingSegmentCount + segments.length <= this.config.maxPendingSegments) {
      this.pending.push(job);
      this.pendingSegmentCount += segments.length;
    } else {
      this.finish(job, { ok: false, reason: 'pending_full', error: new Error('too many segments waiting for a free call') });
    }
  }

  /**
   * Why a batch given now would be dropped at once (so the caller can skip encoding it), if it
   * would: the one place the circuit is checked (the breaker's half-open gate aside).
   */
  refusal(now?: number): DropReason | undefined {
    if (this.closed) return 'shutdown';
    if (this.breaker.state === 'open' && (now ?? Date.now()) < this.breaker.openUntil) return 'circuit_open';
    return undefined;
  }

  /** Resolves when nothing is in flight or pending, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.active.size === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      timer.unref();
      const waiters = this.idleWaiters;
      function finish(): void {
        clearTimeout(timer);
        const index = waiters.indexOf(finish);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
      }
      waiters.push(finish);
    });
  }

  /** Drops what waits and cancels what is in flight (counted as 'shutdown'). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.spare.length = 0;
    const waiting = this.pending.splice(0);
    this.pendingSegmentCount = 0;
    for (const job of waiting) this.finish(job, { ok: false, reason: 'shutdown', error: new Error('the exporter is shut down') });
    for (const stream of [...this.active]) stream.abort('shutdown', 'the exporter is shut down');
    this.notifyIdle();
  }

  private start(job: SendJob): void {
    const now = Date.now();
    if (now >= job.deadline) {
      this.finish(job, { ok: false, reason: 'timeout', error: new Error('export deadline passed while waiting for a free call') });
      return;
    }
    if (!this.breaker.allow(now)) {
      this.finish(job, { ok: false, reason: 'circuit_open', error: new Error('circuit to the OAP is open after repeated failures') });
      return;
    }
    let messages: Buffer[];
    let collection: Buffer | undefined;
    if (this.config.reportMethod === 'collect') {
      messages = job.segments.map((segment) => segment.bytes);
    } else {
      const encoded = encodeSegmentCollection(job.segments, this.spare.pop(), collectionRoom);
      collection = encoded.buffer;
      messages = [encoded.message];
    }
    const stream: CollectStream = new CollectStream(messages, this.config.reportMethod, job.deadline, this.connection, this.config, (outcome) => {
      this.active.delete(stream);
      // Reused only once delivered: after a failure grpc-js may not be done with the bytes.
      if (outcome.ok && collection !== undefined) this.keepSpare(collection);
      this.finish(job, outcome);
      this.startPending();
    });
    this.active.add(stream);
    stream.start();
  }

  private keepSpare(buffer: Buffer): void {
    if (buffer.length <= MAX_SPARE_BYTES && this.spare.length < this.config.maxConcurrentStreams) this.spare.push(buffer);
  }

  private startPending(): void {
    // A job may finish synchronously inside start(); the flag turns that re-entry into this loop.
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.closed && this.active.size < this.config.maxConcurrentStreams && this.pending.length > 0) {
        const job = this.pending.shift()!;
        this.pendingSegmentCount -= job.segments.length;
        this.start(job);
      }
    } finally {
      this.draining = false;
    }
    this.notifyIdle();
  }

  private finish(job: SendJob, outcome: StreamOutcome): void {
    const stats = this.stats;
    const latency = Date.now() - job.startedAt;
    if (outcome.ok) {
      this.breaker.success();
      stats.spansExported += job.spanCount;
      stats.segmentsExported += job.segments.length;
      stats.bytesExported += job.bytes;
      stats.exportsSucceeded++;
      stats.recordLatency(latency, 'success');
    } else {
      const reason = outcome.reason ?? 'rejected';
      stats.drop(reason, job.spanCount, job.segments.length);
      if (!NOT_COLLECTOR_FAILURES.has(reason)) {
        stats.exportsFailed++;
        stats.recordLatency(latency, reason);
        stats.lastError = outcome.error?.message;
        this.collectorFailed(reason, outcome.error);
      } else if (reason !== 'shutdown') {
        this.log.warn(reason, `dropping segments: ${outcome.error?.message ?? reason}; see getStats().droppedSpans`);
      }
    }
    try {
      job.done(outcome);
    } catch {
      // the caller's callback must not break the sender
    }
  }

  private collectorFailed(reason: DropReason, error: Error | undefined): void {
    const address = this.connection.address;
    this.breaker.failure(Date.now());
    if (reason === 'stalled' || reason === 'timeout') this.connection.reset();
    if (reason !== 'rejected') this.connection.failover();
    // The circuit follows the channel: once it is READY again the next batch probes at once.
    if (this.breaker.state === 'open') this.connection.onReconnected(this.channelReady);
    const hint =
      (error as { code?: unknown } | undefined)?.code === status.UNAUTHENTICATED
        ? ' (check the token: option `authentication` / SW_AGENT_AUTHENTICATION)'
        : '';
    const circuit =
      this.breaker.state === 'open' ? `; circuit open for ${Math.max(0, this.breaker.openUntil - Date.now())} ms` : '';
    this.log.warn(
      `export-${reason}`,
      `export to the OAP at ${address} failed (${reason}): ${error?.message ?? 'unknown error'}${hint}${circuit}`,
    );
  }

  private notifyIdle(): void {
    if (this.active.size > 0 || this.pending.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
