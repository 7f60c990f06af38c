/**
 * SkyWalkingLogRecordProcessor: OpenTelemetry's BatchLogRecordProcessor with a
 * SkyWalkingLogExporter, in front of which it keeps the SkyWalking ids of the active span on each record at
 * emit, drops (and counts) what does not fit its queue instead of letting the batch processor drop
 * it silently, filters by level, and never reports a record emitted by our own export.
 */
import { context, diag, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core';
import { BatchLogRecordProcessor, type LogRecordProcessor, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { envNumber, intOption, nonEmpty, settingSource } from '@otel-skywalking/core';
import { DEFAULT_MAX_EXPORT_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE, DEFAULT_TIMEOUT_MILLIS } from '@otel-skywalking/exporter/transport';
import { captureLogContext } from './log-context';
import { SkyWalkingLogExporter } from './log-exporter';
import type { LogLevelName, SkyWalkingLogRecordProcessorOptions, SkyWalkingLogRecordProcessorStats } from './types';

/**
 * The batch processor's timers and exports run in this context: whatever they write to diag (an
 * export failure) is then recognised as ours in onEmit, whatever logger diag goes to.
 */
const QUIET = suppressTracing(ROOT_CONTEXT);

/** The first severity number of each OpenTelemetry range. */
const SEVERITY_FLOOR: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  warning: 13,
  error: 17,
  fatal: 21,
  critical: 21,
};

/** SW_AGENT_LOG_REPORTER_LEVEL accepts the Python agent's names too (WARNING, CRITICAL). */
function severityFloor(level: string | undefined, name: string): number {
  if (level === undefined) return 0;
  const floor = SEVERITY_FLOOR[level.trim().toLowerCase()];
  if (floor !== undefined) return floor;
  diag.warn(`otel-skywalking: ${name}=${JSON.stringify(level)} is not one of trace, debug, info, warn, error, fatal; every level is reported`);
  return 0;
}

export class SkyWalkingLogRecordProcessor implements LogRecordProcessor {
  private readonly exporter: SkyWalkingLogExporter;
  private readonly batch: BatchLogRecordProcessor;
  private readonly maxQueueSize: number;
  private readonly minSeverity: number;
  private accepted = 0;
  private filtered = 0;
  private suppressed = 0;
  private stopped = false;

  constructor(options: SkyWalkingLogRecordProcessorOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    const exporter = new SkyWalkingLogExporter(options, env);
    const maxQueueSize = intOption(
      settingSource('maxQueueSize', options.maxQueueSize, 'SW_AGENT_LOG_REPORTER_MAX_BUFFER_SIZE'),
      options.maxQueueSize ?? envNumber(env, 'SW_AGENT_LOG_REPORTER_MAX_BUFFER_SIZE'),
      DEFAULT_MAX_QUEUE_SIZE,
      1,
    );
    const maxExportBatchSize = Math.min(
      maxQueueSize,
      intOption('option maxExportBatchSize', options.maxExportBatchSize, DEFAULT_MAX_EXPORT_BATCH_SIZE, 1),
    );
    const timeoutMillis = intOption('option timeoutMillis', options.timeoutMillis, DEFAULT_TIMEOUT_MILLIS, 1);
    this.batch = new BatchLogRecordProcessor({
      exporter,
      maxQueueSize,
      maxExportBatchSize,
      scheduledDelayMillis: intOption('option scheduledDelayMillis', options.scheduledDelayMillis, 1000, 0),
      // The exporter settles within its own deadline; this is only a backstop.
      exportTimeoutMillis: timeoutMillis + 1000,
    });
    this.exporter = exporter;
    this.maxQueueSize = maxQueueSize;
    this.minSeverity =
      options.level !== undefined
        ? severityFloor(options.level satisfies LogLevelName, 'level')
        : severityFloor(nonEmpty(env.SW_AGENT_LOG_REPORTER_LEVEL), 'SW_AGENT_LOG_REPORTER_LEVEL');
  }

  onEmit(record: SdkLogRecord, ctx?: Context): void {
    const active = ctx ?? context.active();
    if (isTracingSuppressed(active)) {
      this.suppressed++;
      return;
    }
    if (this.minSeverity > 0 && (record.severityNumber ?? 0) < this.minSeverity) {
      this.filtered++;
      return;
    }
    if (this.stopped) return this.exporter.countDropped('shutdown');
    if (this.accepted - this.exporter.received >= this.maxQueueSize) return this.exporter.countDropped('queueFull');
    captureLogContext(record, active);
    this.accepted++;
    context.with(QUIET, () => this.batch.onEmit(record));
  }

  forceFlush(): Promise<void> {
    return context.with(QUIET, () => this.batch.forceFlush());
  }

  /** Sends what is queued (within the exporter's deadline), then closes the channel. */
  shutdown(): Promise<void> {
    this.stopped = true;
    return context.with(QUIET, () => this.batch.shutdown());
  }

  getStats(): SkyWalkingLogRecordProcessorStats {
    return { ...this.exporter.getStats(), filtered: this.filtered, suppressed: this.suppressed };
  }
}
