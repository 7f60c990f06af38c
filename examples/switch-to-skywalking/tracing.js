// A plain OpenTelemetry setup (NodeSDK + the http instrumentation), switched to SkyWalking with
// one line: the commented-out OTLP exporter became `...skyWalkingSdkOptions()`.
//   node --require ./tracing.js app.js
'use strict';
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { skyWalkingSdkOptions } = require('@otel-skywalking/node');

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME || 'example-orders',
  // traceExporter: new OTLPTraceExporter(),
  ...skyWalkingSdkOptions(),
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
process.on('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
