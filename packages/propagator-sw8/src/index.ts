export { Sw8Propagator, NOT_SAMPLED_ADDRESS, NOT_SAMPLED_ENDPOINT } from './Sw8Propagator';
export { createSkyWalkingPropagator } from './createSkyWalkingPropagator';
export type { Sw8PropagatorOptions, SkyWalkingPropagatorOptions, Sw8PropagatorStats } from './types';
