export { SkyWalkingCollector } from './collector';
export { CollectorTimeoutError } from './collector-timeout-error';
export { formatTrace } from './trace-format';
export { formatMeterLine } from './meter-format';
export { buildTrace } from './trace-builder';
export { buildTopology, componentName, layerName, USER_NODE } from './topology-builder';
export { validateSegment } from './segment-validator';
export { checkReferences, segmentEndpoint } from './reference-checks';
export { METER_HISTORY_POINTS, MAX_SERIES_PER_INSTANCE, type InstanceMeters, type MeterBucket, type MeterFilter, type MeterProblem, type MeterRule, type MeterSeries, type MeterStats } from './meter-store';
export { VALIDATION_RULES, type RuleId, type ValidationRule } from './rules';
export type {
  CollectorAddresses,
  CollectorOptions,
  CollectorStats,
  CollectorTlsOptions,
  DetectPoint,
  FormatTraceOptions,
  InstanceInfo,
  MissingParent,
  StoredLog,
  TopologyEdge,
  Trace,
  TraceNode,
  TraceSummary,
  TraceUpdate,
  Violation,
  ViolationFilter,
  ViolationSeverity,
} from './types';
export type { SegmentObject, SpanObject, SegmentReference } from '@otel-skywalking/core/protocol';
export type { LogFilter } from './log-store';
