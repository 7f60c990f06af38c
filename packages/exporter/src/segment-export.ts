/**
 * The export path both public classes compose (neither calls the other): spans are grouped into
 * segments (SegmentAssembler), converted and encoded (encodeAssembled), and handed to the
 * transport (SegmentSender over CollectorConnection, with the instance heartbeat). Exports never
 * throw and always call back, within the deadline; forceFlush() and shutdown() wait for every
 * export already accepted, so what ended before them is delivered or counted when they resolve.
 */
import { context, diag, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as core from '@otel-skywalking/core';
import type { ServiceIdentity } from '@otel-skywalking/core';
import type { CollectorConnection } from './collector-connection';
import type { ExporterConfig } from './config';
import type { ExporterStats } from './exporter-stats';
import { InstanceHeartbeat } from './instance-heartbeat';
import { SegmentAssembler, type AssembledSegment } from './segment-assembler';
import { encodeAssembled } from './segment-conversion';
import { SegmentEncoder } from './encoding/segment-object';
import type { EncodedSegment } from './encoding/segment-collection';
import { SegmentSender } from './segment-sender';
import { shareCollectorConnection, type CollectorConnectionShare } from './shared-connection';
import { SpanConverter } from './span-conversion';
import type { DropReason, SkyWalkingExporterStats } from './types';

// Bound once: the package index re-exports through getters, which cost a call on every use.
const { OAP_MAX_MESSAGE_BYTES, ThrottledDiag, identityOf, settleWithin } = core;

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

function shutDown(): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error('SkyWalkingTraceExporter is shut down') };
}
/** Largest message sent in one call: well below the OAP's 50 MiB, small enough to fail fast. */
const MAX_CALL_BYTES = 4 * 1024 * 1024;

/** Bounds of one SegmentExport. */
export interface SegmentExportLimits {
  /** Spans of incomplete segments kept across exports, at most. */
  maxAssemblingSpans: number;
  maxAssemblingAgeMs: number;
  shutdownTimeoutMillis: number;
}

export class SegmentExport {
  private readonly config: ExporterConfig;
  private readonly stats: ExporterStats;
  private readonly log = new ThrottledDiag();
  private readonly assembler: SegmentAssembler;
  private readonly converter: SpanConverter;
  private readonly encoder = new SegmentEncoder();
  /** The process's connection for this OAP configuration, shared with the meter and log exporters. */
  private readonly share: CollectorConnectionShare;
  private readonly connection: CollectorConnection;
  private readonly sender: SegmentSender;
  private readonly heartbeat: InstanceHeartbeat;
  private readonly shutdownTimeoutMillis: number;
  private lastIdentity: ServiceIdentity | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private aborted = false;
  /**
   * Exports accepted and not yet called back (including those still waiting for their turn):
   * forceFlush() and shutdown() wait for them, so a batch the batch processor's timer started just
   * before is delivered or counted before they resolve.
   */
  private unsettledExports = 0;
  private settledWaiters: Array<() => void> = [];

  constructor(config: ExporterConfig, stats: ExporterStats, limits: SegmentExportLimits) {
    this.config = config;
    this.stats = stats;
    this.shutdownTimeoutMillis = limits.shutdownTimeoutMillis;
    this.assembler = new SegmentAssembler(
      { carry: true, maxAssemblingSpans: limits.maxAssemblingSpans, maxAssemblingAgeMs: limits.maxAssemblingAgeMs },
      this.stats,
    );
    this.converter = new SpanConverter(this.config, this.stats);
    this.share = shareCollectorConnection(this.config);
    this.connection = this.share.connection;
    this.sender = new SegmentSender(this.config, this.connection, this.stats, this.log);
    this.heartbeat = new InstanceHeartbeat(this.config, this.connection, this.log);
  }

  /** Spans → segments → the OAP (SpanExporter.export). */
  exportSpans(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.later(
      () => this.stats.drop('shutdown', spans.length, 0),
      resultCallback,
      (settle) => this.exportNow(spans, settle),
    );
  }

  /**
   * Sends segments encoded when they ended (encodeSegment), with the same guarantees as
   * exportSpans(): never throws, always calls back, within the deadline.
   */
  exportEncoded(segments: EncodedSegment[], resultCallback: (result: ExportResult) => void): void {
    this.later(
      () => this.dropEncoded('shutdown', segments),
      resultCallback,
      (settle) => this.sendEncoded(segments, settle),
    );
  }

  /**
   * One segment → its SegmentObject bytes, with the OAP's size limit applied; undefined (and
   * counted) when it cannot be sent.
   */
  encodeSegment(segment: AssembledSegment): EncodedSegment | undefined {
    let bytes: Buffer;
    try {
      bytes = encodeAssembled(segment, this.converter, this.encoder);
    } catch (err) {
      this.stats.drop('conversion_error', segment.spanCount, 1);
      this.log.error('convert', `could not convert a segment: ${(err as Error).message}`);
      return undefined;
    }
    if (bytes.length > OAP_MAX_MESSAGE_BYTES) {
      this.stats.drop('too_large', segment.spanCount, 1);
      this.log.warn('too_large', `dropped a segment of ${bytes.length} bytes (the OAP accepts ${OAP_MAX_MESSAGE_BYTES})`);
      return undefined;
    }
    if (segment.sizeLimited) this.stats.incompleteSegments++;
    const last = this.lastIdentity;
    if (last === undefined || last.service !== segment.service || last.instance !== segment.instance) {
      this.observeIdentity({ service: segment.service, instance: segment.instance });
    }
    return { bytes, spanCount: segment.spanCount };
  }

  /** Sends segments still waiting for spans of theirs and waits (bounded) for what is in flight. */
  forceFlush(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    return settleWithin(this.flush(Date.now() + this.config.timeoutMillis), this.config.timeoutMillis);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.shutdownNow();
    return this.shutdownPromise;
  }

  snapshot(): SkyWalkingExporterStats {
    const s = this.stats;
    const breaker = this.sender.breaker;
    return {
      spansExported: s.spansExported,
      segmentsExported: s.segmentsExported,
      bytesExported: s.bytesExported,
      exportsSucceeded: s.exportsSucceeded,
      exportsFailed: s.exportsFailed,
      droppedSpans: { ...s.droppedSpans },
      droppedSegments: { ...s.droppedSegments },
      truncations: s.truncations,
      incompleteSegments: s.incompleteSegments,
      exportLatencyMs: {
        count: s.latencyCount,
        mean: s.latencyCount === 0 ? 0 : s.latencySum / s.latencyCount,
        max: s.latencyMax,
        last: s.latencyLast,
      },
      circuit: {
        state: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        opened: breaker.opened,
        openUntil: breaker.openUntil,
      },
      collector: this.connection.address,
      tls: this.config.tls !== undefined,
      lastError: s.lastError,
      inFlightStreams: this.sender.inFlight,
      pendingSegments: this.sender.pendingSegments,
      assemblingSpans: this.assembler.assemblingSpans,
    };
  }

  /** Starts the instance heartbeat (and names unsampled spans) before the first export. */
  observeResource(resource: { attributes: Attributes } | undefined): void {
    this.observeIdentity(identityOf(resource));
  }

  /**
   * Why a batch given now would be dropped unsent (circuit open, shut down), if it would: the one
   * circuit check, made before any work is spent on the batch.
   */
  refusal(now?: number): DropReason | undefined {
    return this.sender.refusal(now);
  }

  /** Ends everything now (a shutdown ran out of time). */
  abort(): void {
    this.shutdownPromise ??= Promise.resolve();
    this.aborted = true;
    for (const segment of this.assembler.drain()) this.stats.drop('shutdown', segment.spanCount, 1);
    this.heartbeat.stop();
    this.sender.close();
    this.share.release();
  }

  /**
   * Runs an export's work on the next turn, under suppressTracing, so the span.end() that filled the
   * batch does not pay for it (the batch processor waits for the callback before its next batch).
   * After shutdown the data is dropped (counted by `drop`) and the export fails.
   */
  private later(
    drop: () => void,
    resultCallback: (result: ExportResult) => void,
    work: (settle: (result: ExportResult) => void) => void,
  ): void {
    if (this.shutdownPromise !== undefined) {
      drop();
      resultCallback(shutDown());
      return;
    }
    this.unsettledExports++;
    let settled = false;
    const settle = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      if (--this.unsettledExports === 0) this.notifySettled();
      resultCallback(result);
    };
    const exportContext = suppressTracing(context.active());
    setImmediate(() =>
      context.with(exportContext, () => {
        if (!this.aborted) return work(settle);
        drop();
        settle(shutDown());
      }),
    );
  }

  private notifySettled(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves when every accepted export has called back, or after `timeoutMs`. */
  private whenExportsSettled(timeoutMs: number): Promise<void> {
    if (this.unsettledExports === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      timer.unref();
      const waiters = this.settledWaiters;
      function done(): void {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private exportNow(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let segments: AssembledSegment[];
    try {
      segments = this.assembler.add(spans, Date.now());
    } catch (err) {
      this.stats.drop('conversion_error', spans.length, 0);
      this.log.error('assemble', `could not group spans into segments: ${(err as Error).message}`);
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    this.send(segments, resultCallback);
  }

  private send(segments: AssembledSegment[], resultCallback: (result: ExportResult) => void): void {
    const refusal = this.refusal(Date.now());
    if (refusal !== undefined && segments.length > 0) {
      // The circuit is open: drop without spending CPU on encoding.
      this.refuse(refusal, segments, resultCallback);
      return;
    }
    const encoded: EncodedSegment[] = [];
    for (const segment of segments) {
      const one = this.encodeSegment(segment);
      if (one !== undefined) encoded.push(one);
    }
    this.sendEncoded(encoded, resultCallback);
  }

  private sendEncoded(encoded: EncodedSegment[], resultCallback: (result: ExportResult) => void): void {
    if (encoded.length === 0) {
      resultCallback(SUCCESS);
      return;
    }
    // A batch goes out in calls of at most MAX_CALL_BYTES; the export is done when all are.
    const calls: EncodedSegment[][] = [[]];
    let bytes = 0;
    for (const segment of encoded) {
      if (bytes > 0 && bytes + segment.bytes.length > MAX_CALL_BYTES) {
        calls.push([]);
        bytes = 0;
      }
      calls[calls.length - 1].push(segment);
      bytes += segment.bytes.length;
    }
    let remaining = calls.length;
    let failure: Error | undefined;
    for (const call of calls) {
      this.sender.send(call, (outcome) => {
        if (!outcome.ok) failure ??= outcome.error ?? new Error('export failed');
        if (--remaining === 0) resultCallback(failure === undefined ? SUCCESS : { code: ExportResultCode.FAILED, error: failure });
      });
    }
  }

  private refuse(reason: DropReason, segments: ReadonlyArray<{ spanCount: number }>, resultCallback: (result: ExportResult) => void): void {
    this.dropEncoded(reason, segments);
    if (reason === 'circuit_open') this.log.warn(reason, 'the circuit to the OAP is open after repeated failures; dropping segments (see getStats())');
    resultCallback({ code: ExportResultCode.FAILED, error: new Error(`segments dropped: ${reason}`) });
  }

  private dropEncoded(reason: DropReason, segments: ReadonlyArray<{ spanCount: number }>): void {
    let spans = 0;
    for (const segment of segments) spans += segment.spanCount;
    this.stats.drop(reason, spans, segments.length);
  }

  private observeIdentity(identity: ServiceIdentity): void {
    this.lastIdentity = identity;
    this.heartbeat.observe(identity);
  }

  private async flush(deadline: number): Promise<void> {
    // First what export() already accepted (its spans may complete segments the assembler holds).
    await this.whenExportsSettled(deadline - Date.now());
    const rest = this.assembler.drain();
    if (rest.length > 0) {
      await new Promise<void>((resolve) =>
        context.with(suppressTracing(context.active()), () => this.send(rest, () => resolve())),
      );
    }
    await this.sender.whenIdle(Math.max(0, deadline - Date.now()));
  }

  private async shutdownNow(): Promise<void> {
    this.heartbeat.stop();
    try {
      await settleWithin(this.flush(Date.now() + this.shutdownTimeoutMillis), this.shutdownTimeoutMillis);
    } catch (err) {
      diag.debug('otel-skywalking: flush at shutdown failed', err);
    } finally {
      this.sender.close();
      this.share.release();
    }
  }
}
