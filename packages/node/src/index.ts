export { start, startTracing, type StartResult } from './start';
export { getStats, stats, type TracingStats } from './stats';
export { readConfig, TRACES_EXPORTERS, PROPAGATORS, INSTRUMENTATIONS, HTTP_INSTRUMENTATIONS, LOG_LEVELS, DEFAULT_PROPAGATORS } from './config';
export type { SetupConfig, ConfigProblem } from './config';
export type {
  StartOptions,
  Shutdown,
  TracesExporterName,
  PropagatorName,
  InstrumentationName,
  HttpInstrumentationName,
  LogLevelName,
} from './types';
export { skyWalkingSdkOptions, type SkyWalkingSdkOptions } from './sdk-options';
