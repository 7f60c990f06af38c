// The HTTP service measured by exporter-http.bench and exporter-outage.bench, run in a child
// process per variant (VARIANT):
//   noop            OpenTelemetry http instrumentation + createSkyWalkingPropagator, a processor that drops everything
//   skywalking      the same, with SkyWalkingSpanProcessor
//   skywalking-bsp  the same, with core's SegmentTracker and OpenTelemetry's BatchSpanProcessor over
//                   SkyWalkingTraceExporter (real spans through the batch processor's public contract)
//   otlp            the same, with BatchSpanProcessor + OTLPTraceExporter (gRPC)
//   sw-agent        skywalking-backend-js 0.9.0 (SkyWalking's own Node.js agent), no OpenTelemetry
//   tracker         diagnostic: core's SegmentTracker as the only processor (sw8 bookkeeping, no export)
// Each request makes one call to DOWNSTREAM (an uninstrumented server in the benchmark process) and
// answers a small JSON body, so a request is a server span and a client span.
// Prints `READY <port>` when it listens; answers `rss` on stdin with `RSS <bytes> <heapUsed>` and
// `cpu` with `CPU <user+system µs>`.
import * as readline from 'node:readline';

const variant = process.env.VARIANT ?? 'noop';
const downstream = Number(process.env.DOWNSTREAM);

function setUpOpenTelemetry(): void {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
  let processor: unknown;
  if (variant === 'skywalking') {
    const { SkyWalkingSpanProcessor } = require('@otel-skywalking/exporter');
    processor = new SkyWalkingSpanProcessor({ collector: process.env.SW_COLLECTOR });
  } else if (variant === 'skywalking-bsp') {
    const { SkyWalkingTraceExporter } = require('@otel-skywalking/exporter');
    const { SegmentTracker } = require('@otel-skywalking/core');
    processor = [new SegmentTracker(), new BatchSpanProcessor(new SkyWalkingTraceExporter({ collector: process.env.SW_COLLECTOR }))];
  } else if (variant === 'otlp') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${process.env.OTLP_COLLECTOR}` }));
  } else if (variant === 'tracker') {
    // diagnostic: core's SegmentTracker alone (the bookkeeping sw8 needs), nothing exported
    const { SegmentTracker } = require('@otel-skywalking/core');
    processor = new SegmentTracker();
  } else {
    processor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `bench-${variant}`, 'service.instance.id': `bench-${variant}-1` }),
    spanProcessors: Array.isArray(processor) ? processor : [processor],
  });
  provider.register({ propagator: createSkyWalkingPropagator() });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
}

if (variant === 'sw-agent') {
  require('skywalking-backend-js').default.start({
    serviceName: 'bench-sw-agent',
    serviceInstance: 'bench-sw-agent-1',
    collectorAddress: process.env.SW_COLLECTOR,
  });
} else {
  setUpOpenTelemetry();
}

const http = require('node:http') as typeof import('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const server = http.createServer((req, res) => {
  http
    .get({ host: '127.0.0.1', port: downstream, path: `/stock${req.url ?? '/'}`, agent }, (down) => {
      let body = '';
      down.setEncoding('utf8');
      down.on('data', (chunk: string) => (body += chunk));
      down.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(`{"order":"${req.url}","stock":${body}}`);
      });
    })
    .on('error', () => {
      res.statusCode = 502;
      res.end();
    });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`);
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'cpu') {
    const usage = process.cpuUsage();
    process.stdout.write(`CPU ${usage.user + usage.system}\n`);
  } else if (line === 'rss') {
    const memory = process.memoryUsage();
    process.stdout.write(`RSS ${memory.rss} ${memory.heapUsed}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
