// Our pieces in a TracerProvider you build yourself: propagation, sampling, export, instrumentations.
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
const { SkyWalkingSampler } = require('@otel-skywalking/sampler');
const { SkyWalkingSpanProcessor } = require('@otel-skywalking/exporter');
const { AmqplibInstrumentation } = require('@otel-skywalking/instrumentation-amqplib');
const { MongoDBInstrumentation } = require('@otel-skywalking/instrumentation-mongodb');

const provider = new NodeTracerProvider({
  sampler: new SkyWalkingSampler({ samplePer3Secs: 100, ignorePaths: ['/health'] }),
  spanProcessors: [new SkyWalkingSpanProcessor({ collector: 'oap:11800' })],
});
provider.register({ propagator: createSkyWalkingPropagator() }); // sw8 next to W3C: mixed fleets form one trace
registerInstrumentations({ instrumentations: [new AmqplibInstrumentation(), new MongoDBInstrumentation()] });
