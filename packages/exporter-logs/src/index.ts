export { SkyWalkingLogExporter } from './log-exporter';
export { SkyWalkingLogRecordProcessor } from './log-processor';
export { SkyWalkingLogContextProcessor } from './log-context-processor';
export { LEVEL_TAG } from './log-conversion';
export type {
  LogDropReason,
  LogLevelName,
  SkyWalkingLogExporterOptions,
  SkyWalkingLogExporterStats,
  SkyWalkingLogRecordProcessorOptions,
  SkyWalkingLogRecordProcessorStats,
  SkyWalkingLogTlsOptions,
} from './types';
