/**
 * A LogRecordProcessor that only captures the SkyWalking ids of the active span on each record.
 * Put it before a BatchLogRecordProcessor that exports with SkyWalkingLogExporter;
 * SkyWalkingLogRecordProcessor does the same itself.
 */
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { captureLogContext } from './log-context';

export class SkyWalkingLogContextProcessor implements LogRecordProcessor {
  onEmit(record: SdkLogRecord, ctx?: Context): void {
    if (ctx !== undefined) captureLogContext(record, ctx);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
