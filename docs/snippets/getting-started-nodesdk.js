const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { skyWalkingSdkOptions } = require('@otel-skywalking/node');
const { AmqplibInstrumentation } = require('@otel-skywalking/instrumentation-amqplib');
const { MongoDBInstrumentation } = require('@otel-skywalking/instrumentation-mongodb');

const skyWalking = skyWalkingSdkOptions(); // SW_AGENT_* variables apply, e.g. SW_AGENT_COLLECTOR_BACKEND_SERVICES
const sdk = new NodeSDK({
  serviceName: 'orders',
  ...skyWalking, // instead of traceExporter: new OTLPTraceExporter()
  instrumentations: [new HttpInstrumentation(), new AmqplibInstrumentation(), new MongoDBInstrumentation()],
});
sdk.start();
// later: skyWalking.spanProcessors[0].getStats(), or getStats() from @otel-skywalking/node
process.on('SIGTERM', () => sdk.shutdown().then(() => process.exit(0)));
