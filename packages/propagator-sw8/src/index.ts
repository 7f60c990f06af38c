export { Sw8Propagator, NOT_SAMPLED_ADDRESS, NOT_SAMPLED_ENDPOINT } from './sw8-propagator';
export { createSkyWalkingPropagator } from './create-skywalking-propagator';
export type { Sw8PropagatorOptions, SkyWalkingPropagatorOptions, Sw8PropagatorStats } from './types';
