export { SkyWalkingMetricExporter } from './metric-exporter';
export {
  startNodeRuntimeMeters,
  NODE_AGENT_RUNTIME_METERS,
  EXTRA_RUNTIME_METERS,
  DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS,
  DEFAULT_RUNTIME_REPORT_PERIOD_MS,
  type RuntimeMeterName,
} from './runtime-meters';
export type {
  MeterDropReason,
  SkyWalkingMetricExporterOptions,
  SkyWalkingMetricExporterStats,
  SkyWalkingMetricTlsOptions,
} from './types';
