/**
 * SkyWalkingLogExporter: an OpenTelemetry LogRecordExporter (for a BatchLogRecordProcessor) that
 * sends each record as a SkyWalking LogData over LogReportService/collect. Every record it is
 * given is either acknowledged by the OAP or counted as dropped, before the export's
 * callback is called. It never throws into the caller.
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OAP_MAX_MESSAGE_BYTES } from '@otel-skywalking/core';
import { loadLoggingProtocol } from '@otel-skywalking/core/protocol';
import { resolveLogExporterConfig, type LogExporterConfig } from './config';
import { toLogData, type ConversionCounters } from './log-conversion';
import { LogTransport } from './log-transport';
import type { LogDropReason, SkyWalkingLogExporterOptions, SkyWalkingLogExporterStats } from './types';

export class SkyWalkingLogExporter implements LogRecordExporter {
  private readonly config: LogExporterConfig;
  private readonly transport: LogTransport;
  private stopped = false;
  private readonly counters: ConversionCounters = { truncated: 0, withoutCapturedContext: 0 };
  private readonly dropped: Record<LogDropReason, number> = {
    queueFull: 0,
    collectorUnavailable: 0,
    exportFailed: 0,
    timeout: 0,
    shutdown: 0,
    tooLarge: 0,
  };
  private sent = 0;
  private receivedCount = 0;

  constructor(options: SkyWalkingLogExporterOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.config = resolveLogExporterConfig(options, env);
    this.transport = new LogTransport(this.config);
  }

  /** Records handed to export() so far (a processor's queue holds what it accepted minus these). */
  get received(): number {
    return this.receivedCount;
  }

  /** The OAP address in use. */
  get address(): string {
    return this.transport.address;
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.receivedCount += records.length;
    if (this.stopped) {
      this.dropped.shutdown += records.length;
      resultCallback({ code: ExportResultCode.FAILED });
      return;
    }
    const messages: Buffer[] = [];
    try {
      const LogData = loadLoggingProtocol().LogData;
      for (const record of records) {
        const bytes = LogData.encode(LogData.fromObject(toLogData(record, this.config, this.counters))).finish();
        if (bytes.byteLength > OAP_MAX_MESSAGE_BYTES) this.dropped.tooLarge++;
        else messages.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
    } catch (err) {
      diag.error('otel-skywalking: log records could not be encoded; they are dropped', err);
      this.dropped.exportFailed += records.length - messages.length;
    }
    if (messages.length === 0) {
      resultCallback({ code: records.length === 0 ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
      return;
    }
    this.transport.send(messages, (result) => {
      if (result === 'sent') this.sent += messages.length;
      else this.dropped[result] += messages.length;
      resultCallback({ code: result === 'sent' ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
    });
  }

  /** Counts a record a processor in front dropped (no room, or after shutdown). */
  countDropped(reason: LogDropReason): void {
    this.dropped[reason]++;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Cancels a call in progress (its records are counted as dropped) and closes the channel. Settles at once. */
  shutdown(): Promise<void> {
    this.stopped = true;
    this.transport.close();
    return Promise.resolve();
  }

  getStats(): SkyWalkingLogExporterStats {
    return { sent: this.sent, dropped: { ...this.dropped }, ...this.counters };
  }
}
