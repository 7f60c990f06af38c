const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { SkyWalkingSpanProcessor } = require('@otel-skywalking/exporter');
const { SkyWalkingSampler } = require('@otel-skywalking/sampler');
const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');

const provider = new NodeTracerProvider({
  sampler: new SkyWalkingSampler({ samplePer3Secs: 100 }),
  spanProcessors: [new SkyWalkingSpanProcessor({ collector: 'oap.internal:11800' })],
});
provider.register({ propagator: createSkyWalkingPropagator() });
