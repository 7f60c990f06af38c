/**
 * SkyWalkingMetricExporter: an OpenTelemetry PushMetricExporter (for a PeriodicExportingMetricReader)
 * that reports meters over SkyWalking's MeterReportService. One report in flight at most; a report
 * that cannot go now is dropped and counted, never queued: a meter's next report carries its latest
 * (cumulative) value anyway.
 */
import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ThrottledDiag } from '@otel-skywalking/core';
import { resolveMetricExporterConfig, type MetricExporterConfig } from './config';
import { toMeterReport } from './metric-conversion';
import { MeterTransport, type SendOutcome } from './meter-transport';
import type { MeterDropReason, SkyWalkingMetricExporterOptions, SkyWalkingMetricExporterStats } from './types';

export class SkyWalkingMetricExporter implements PushMetricExporter {
  private readonly config: MetricExporterConfig;
  private readonly transport: MeterTransport;
  private readonly log = new ThrottledDiag();
  private readonly stats: Omit<SkyWalkingMetricExporterStats, 'fellBackToCollect'> = {
    reportsSent: 0,
    metersSent: 0,
    reportsFailed: 0,
    metersDropped: { unavailable: 0, busy: 0, failed: 0, limit: 0, unsupported: 0, shutdown: 0 },
    labelsDropped: 0,
  };
  private inFlight: Promise<void> | undefined;
  private closed = false;

  constructor(options: SkyWalkingMetricExporterOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.config = resolveMetricExporterConfig(options, env);
    this.transport = new MeterTransport(this.config);
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const fail = (reason: MeterDropReason, count: number, error?: Error): void => {
      this.stats.metersDropped[reason] += count;
      this.stats.reportsFailed++;
      resultCallback({ code: ExportResultCode.FAILED, error: error ?? new Error(`SkyWalkingMetricExporter: ${count} meters dropped (${reason}); see getStats()`) });
    };
    let report;
    try {
      report = toMeterReport(metrics, this.config);
    } catch (err) {
      this.log.error('convert', 'could not convert metrics to SkyWalking meters', err);
      fail('unsupported', 0, err as Error);
      return;
    }
    this.stats.metersDropped.limit += report.overLimit;
    this.stats.metersDropped.unsupported += report.unsupported;
    this.stats.labelsDropped += report.labelsDropped;
    const count = report.meters.length;
    if (this.closed) return fail('shutdown', count);
    if (count === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    if (this.inFlight !== undefined) return fail('busy', count);
    let settled!: () => void;
    // Set before send(): the transport may call back synchronously (a channel already failing).
    this.inFlight = new Promise<void>((resolve) => (settled = resolve));
    const done = (outcome: SendOutcome, error?: Error): void => {
      this.inFlight = undefined;
      settled();
      if (outcome === 'sent') {
        this.stats.reportsSent++;
        this.stats.metersSent += count;
        resultCallback({ code: ExportResultCode.SUCCESS });
        return;
      }
      if (outcome === 'unavailable') {
        this.log.warn('unavailable', `${error?.message ?? `no connection to ${this.config.connection.collectors.join(',')}`}; meters dropped`);
      } else {
        this.log.warn('failed', 'meter report failed; meters dropped', error);
      }
      fail(this.closed ? 'shutdown' : outcome, count, error);
    };
    try {
      context.with(suppressTracing(context.active()), () => this.transport.send(report.meters, done));
    } catch (err) {
      // A target grpc-js cannot parse, for one: a failed report, never a throw into the SDK.
      done('failed', err as Error);
    }
  }

  /** Cumulative: the OAP stores what it receives, so each report carries whole values. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  /** Resolves when the report in flight (if any) has settled. */
  forceFlush(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  /** Cancels the report in flight (counted as dropped) and releases the shared connection; settles at once. */
  shutdown(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.transport.close();
    }
    return Promise.resolve();
  }

  getStats(): SkyWalkingMetricExporterStats {
    return {
      ...this.stats,
      metersDropped: { ...this.stats.metersDropped },
      fellBackToCollect: this.transport.batchUnsupported,
    };
  }
}
