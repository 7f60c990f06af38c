export { SkyWalkingSampler } from './skywalking-sampler';
export { samplerOptionsFromEnv, SAMPLER_ENV_VARIABLES } from './env';
export { DEFAULT_IGNORE_SUFFIXES } from './ignore-rules';
export { SAMPLE_WINDOW_MS } from './window-limiter';
export type {
  SkyWalkingSamplerOptions,
  RemoteParentNotSampledPolicy,
  SamplerStats,
  SampledCounts,
  NotSampledCounts,
} from './types';
