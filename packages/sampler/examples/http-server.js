// A traced HTTP server that records at most 2 new traces per 3 seconds and never records health
// checks or static files, yet passes every trace on. Run from the repository after the build:
//   node packages/sampler/examples/http-server.js
'use strict';
const { context, propagation, trace, ROOT_CONTEXT, SpanKind } = require('@opentelemetry/api');
const { suppressTracing } = require('@opentelemetry/core');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
const { SkyWalkingSampler } = require('@otel-skywalking/sampler');

// SW_AGENT_SAMPLE_N_PER_3_SECS, SW_TRACE_IGNORE_PATH, ... apply too; these options win over them.
const sampler = SkyWalkingSampler.fromEnv({ samplePer3Secs: 2, ignorePaths: '/health,/internal/**' });
const exporter = new InMemorySpanExporter(); // in a service: SkyWalkingSpanProcessor, reporting to the OAP
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders' }),
  sampler,
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
provider.register({ propagator: createSkyWalkingPropagator() });
const instrumentation = new HttpInstrumentation();
const http = require('node:http'); // after the instrumentation, so that it is patched

const server = http.createServer((req, res) => {
  // recorded or not, the entry span has a valid trace id, and it goes downstream unsampled
  const headers = {};
  propagation.inject(context.active(), headers);
  const recording = trace.getActiveSpan().isRecording();
  res.end(`${req.url.padEnd(18)} recording=${recording}  sw8=${headers.sw8.slice(0, 12)}…  traceparent=${headers.traceparent}\n`);
});

function get(port, path) {
  // the example's client is not traced itself, so each request starts its trace in the server
  return context.with(suppressTracing(ROOT_CONTEXT), () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    }),
  );
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  for (const path of ['/orders/1', '/health', '/app.js', '/orders/2', '/internal/metrics', '/orders/3']) {
    process.stdout.write(await get(port, path));
  }
  const recorded = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
  console.log(`recorded: ${recorded.map((span) => span.attributes['url.path']).join(', ')}`);
  console.log('stats:', JSON.stringify(sampler.getStats()));
  server.close();
  instrumentation.disable();
  await provider.shutdown();
});
