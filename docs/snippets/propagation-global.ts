import { propagation } from '@opentelemetry/api';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';

propagation.setGlobalPropagator(createSkyWalkingPropagator());
// or: provider.register({ propagator: createSkyWalkingPropagator() })
