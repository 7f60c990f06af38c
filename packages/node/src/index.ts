export { start, startTracing, stats, type StartResult, type TracingStats } from './start';
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
