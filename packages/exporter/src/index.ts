export { SkyWalkingSpanProcessor } from './span-processor';
export { SkyWalkingTraceExporter } from './trace-exporter';
export { SegmentSerializer, type SegmentSerializerOptions } from './segment-serializer';
export { TRANSMISSION_LATENCY_ATTRIBUTE, PLACEHOLDER_OPERATION_NAME, PLACEHOLDER_TAG } from './attributes';
export type {
  CircuitState,
  DropReason,
  ReportMethod,
  SkyWalkingExporterOptions,
  SkyWalkingExporterStats,
  SkyWalkingSpanProcessorOptions,
  SkyWalkingSpanProcessorStats,
  SkyWalkingTlsOptions,
  TagAttributeFilter,
} from './types';
