/**
 * SkyWalkingTraceExporter: an OpenTelemetry SpanExporter that turns spans into native SkyWalking
 * segments and sends them to the OAP's TraceSegmentReportService. It works, lossless, under
 * OpenTelemetry's own BatchSpanProcessor: forceFlush() and shutdown() wait for every export
 * already accepted (the one the batch timer started included), so everything that ended before
 * them is delivered or counted as dropped when they resolve. SkyWalkingSpanProcessor gives more
 * (whole segments, cross-process references from sw8); see the README for what degrades here.
 * export() never throws and always calls back, within the deadline.
 */
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resolveExporterConfig } from './config';
import { registerExporterMetrics } from './exporter-metrics';
import { ExporterStats } from './exporter-stats';
import { SegmentExport } from './segment-export';
import type { SkyWalkingExporterOptions, SkyWalkingExporterStats } from './types';

export class SkyWalkingTraceExporter implements SpanExporter {
  private readonly pipeline: SegmentExport;

  /** `env`: where the SW_AGENT_* variables are read (default process.env). */
  constructor(options: SkyWalkingExporterOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    const config = resolveExporterConfig(options, env);
    const stats = new ExporterStats();
    this.pipeline = new SegmentExport(config, stats, {
      maxAssemblingSpans: 8192,
      maxAssemblingAgeMs: 60_000,
      shutdownTimeoutMillis: config.timeoutMillis,
    });
    if (options.meterProvider !== undefined) {
      registerExporterMetrics(options.meterProvider, () => this.getStats(), stats);
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.pipeline.exportSpans(spans, resultCallback);
  }

  /** Sends segments still waiting for spans of theirs and waits (bounded) for every export accepted so far. */
  forceFlush(): Promise<void> {
    return this.pipeline.forceFlush();
  }

  /** Delivers what export() accepted, within the export timeout; then drops and counts the rest. */
  shutdown(): Promise<void> {
    return this.pipeline.shutdown();
  }

  getStats(): SkyWalkingExporterStats {
    return this.pipeline.snapshot();
  }
}
