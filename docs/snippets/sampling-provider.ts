import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler } from '@otel-skywalking/sampler';

const sampler = SkyWalkingSampler.fromEnv({ samplePer3Secs: 100 }); // code options win over SW_* variables
const provider = new NodeTracerProvider({ sampler, spanProcessors: [/* SkyWalkingSpanProcessor, ... */] });
provider.register({ propagator: createSkyWalkingPropagator() });
