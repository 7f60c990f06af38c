// The HTTP service of http-instrumentation.bench and http-instrumentation-instructions.bench, one
// child process per variant (VARIANT); the same app as exporter-http-app.ts: each request makes one
// keep-alive call to DOWNSTREAM (an uninstrumented server) and answers a small JSON body, so a traced
// request is a server span and a client span (one segment of two spans in SkyWalking's model).
//   none                 no tracing at all
//   lean                 @otel-skywalking/instrumentation-http + SkyWalkingSpanProcessor
//   lean-noop            the same with a processor that drops everything (the instrumentation's own cost)
//   lean-sampled-out     lean, with SkyWalkingSampler at ratio 0 (every request sampled out)
//   context-only         no instrumentation: NodeTracerProvider registered (its AsyncLocalStorage context
//                        manager, our propagator) and the handler run inside one context.with per request;
//                        the floor under any instrumentation that keeps OpenTelemetry's context manager
//   context-propagated   context-only, and the handler extracts the incoming headers and injects a
//                        non-recording span's context (sw8 sample=0, traceparent) into its downstream call
//   spans-by-hand        context-propagated, plus the two spans made by hand with OpenTelemetry's API
//                        and SDK (a SERVER and a CLIENT span with the attributes our instrumentation
//                        records, ended on the answers) and a no-op processor: no instrumentation code,
//                        no export; the floor under any stack that records two SDK spans per request
//   contrib              @opentelemetry/instrumentation-http + SkyWalkingSpanProcessor
//   contrib-sampled-out  contrib, with SkyWalkingSampler at ratio 0
//   otlp                 @opentelemetry/instrumentation-http + BatchSpanProcessor + OTLP gRPC exporter
//   sw-agent-all         skywalking-backend-js 0.9.0 with a buffer large enough to trace every request
//   sw-agent             skywalking-backend-js 0.9.0 with its defaults
// Prints `READY <port>`; answers `cpu` on stdin with `CPU <user+system µs>`.
import * as readline from 'node:readline';

const variant = process.env.VARIANT ?? 'none';
const downstream = Number(process.env.DOWNSTREAM);

/** Wraps the request handler of the context-* variants (the identity for every other variant). */
type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
type Downstream = (req: import('node:http').IncomingMessage) => Record<string, string> | undefined;
let wrapHandler = (handler: Handler): Handler => handler;
let downstreamHeaders: Downstream = () => undefined;
/** Sees each downstream request once made (spans-by-hand ends its CLIENT span on the answer). */
let observeDownstream: (request: import('node:http').ClientRequest) => void = () => undefined;

function setUpOpenTelemetry(): void {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
  const lean = variant.startsWith('lean');
  let processor: unknown;
  if (variant === 'otlp') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${process.env.OTLP_COLLECTOR}` }));
  } else if (variant === 'lean-noop') {
    processor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  } else {
    const { SkyWalkingSpanProcessor } = require('@otel-skywalking/exporter');
    processor = new SkyWalkingSpanProcessor({ collector: process.env.SW_COLLECTOR });
  }
  let sampler: unknown;
  if (variant.endsWith('sampled-out')) {
    const { SkyWalkingSampler } = require('@otel-skywalking/sampler');
    sampler = new SkyWalkingSampler({ ratio: 0 });
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `bench-${variant}`, 'service.instance.id': `bench-${variant}-1` }),
    spanProcessors: [processor],
    ...(sampler === undefined ? {} : { sampler }),
  });
  provider.register({ propagator: createSkyWalkingPropagator() });
  const { HttpInstrumentation } = lean ? require('@otel-skywalking/instrumentation-http') : require('@opentelemetry/instrumentation-http');
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
}

if (variant.startsWith('sw-agent')) {
  require('skywalking-backend-js').default.start({
    serviceName: `bench-${variant}`,
    serviceInstance: `bench-${variant}-1`,
    collectorAddress: process.env.SW_COLLECTOR,
    ...(variant === 'sw-agent-all' ? { maxBufferSize: 10_000_000 } : {}),
  });
} else if (variant.startsWith('context')) {
  setUpContextOnly();
} else if (variant === 'spans-by-hand') {
  setUpSpansByHand();
} else if (variant !== 'none') {
  setUpOpenTelemetry();
}


function setUpContextOnly(): void {
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
  new NodeTracerProvider({ spanProcessors: [] }).register({ propagator: createSkyWalkingPropagator() });
  const key = api.createContextKey('bench request');
  const propagated = variant === 'context-propagated';
  wrapHandler = (handler) => (req, res) => {
    let ctx = api.ROOT_CONTEXT;
    if (propagated) {
      ctx = api.propagation.extract(ctx, req.headers);
      // what a sampled-out span carries: valid ids, flags 00
      const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0, isRemote: false };
      ctx = api.trace.setSpan(ctx, api.trace.wrapSpanContext(spanContext));
    }
    api.context.with(ctx.setValue(key, req), handler, undefined, req, res);
  };
  if (propagated) {
    downstreamHeaders = () => {
      const headers: Record<string, string> = {};
      api.propagation.inject(api.context.active(), headers);
      return headers;
    };
  }
}

function setUpSpansByHand(): void {
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { createSkyWalkingPropagator } = require('@otel-skywalking/propagator-sw8');
  const noop = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  new NodeTracerProvider({ spanProcessors: [noop] }).register({ propagator: createSkyWalkingPropagator() });
  const tracer = api.trace.getTracer('bench-by-hand');
  const { SpanKind } = api;
  wrapHandler = (handler) => (req, res) => {
    const parent = api.propagation.extract(api.ROOT_CONTEXT, req.headers);
    const socket = req.socket;
    const span = tracer.startSpan(
      'GET',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method ?? 'GET',
          'url.scheme': 'http',
          'network.peer.address': socket.remoteAddress ?? '',
          'network.peer.port': socket.remotePort ?? 0,
          'network.protocol.version': req.httpVersion,
          'server.address': '127.0.0.1',
          'server.port': socket.localPort ?? 0,
          'url.path': req.url ?? '/',
          'client.address': socket.remoteAddress ?? '',
        },
      },
      parent,
    );
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    });
    api.context.with(api.trace.setSpan(parent, span), handler, undefined, req, res);
  };
  // the span of the request being made: downstreamHeaders and observeDownstream run back to back
  let clientSpan: import('@opentelemetry/api').Span | undefined;
  downstreamHeaders = (req) => {
    const path = `/stock${req.url ?? '/'}`;
    const span = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': downstream,
        'url.full': `http://127.0.0.1:${downstream}${path}`,
      },
    });
    const headers: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(api.context.active(), span), headers);
    clientSpan = span;
    return headers;
  };
  observeDownstream = (request) => {
    const span = clientSpan;
    clientSpan = undefined;
    if (span === undefined) return;
    request.once('response', (down) => {
      span.setAttributes({
        'http.response.status_code': down.statusCode ?? 0,
        'network.peer.address': '127.0.0.1',
        'network.peer.port': downstream,
        'network.protocol.version': down.httpVersion,
      });
      down.once('end', () => span.end());
    });
  };
}

const http = require('node:http') as typeof import('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const server = http.createServer(wrapHandler((req, res) => {
  // http.request + end(), not http.get: skywalking-backend-js patches http.request only, and Node's
  // get calls its module's request directly, so with get the agent would trace the server span alone
  const request = http
    .request({ host: '127.0.0.1', port: downstream, path: `/stock${req.url ?? '/'}`, agent, headers: downstreamHeaders(req) }, (down) => {
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
  observeDownstream(request);
  request.end();
}));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`);
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'cpu') {
    const usage = process.cpuUsage();
    process.stdout.write(`CPU ${usage.user + usage.system}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
