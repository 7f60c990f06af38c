/**
 * End to end through real sockets: SkyWalkingSpanProcessor → gRPC → the project's
 * SkyWalkingCollector standing in for a healthy OAP, whose rules must report zero violations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  trace,
  type Context,
} from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, DataPointType } from '@opentelemetry/sdk-metrics';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSpanProcessor, SkyWalkingTraceExporter, type SkyWalkingSpanProcessorOptions } from '../src';
import { resolveExporterConfig } from '../src/config';
import { child, makeCertificates, providerFor, requestSegment, startCollector, eventually } from './helpers';

const FAST: SkyWalkingSpanProcessorOptions = { scheduledDelayMillis: 20, heartbeatIntervalMillis: 0 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('every span shape arrives as valid segments: one trace across two services, the topology the OAP draws', async () => {
  const { collector, address } = await startCollector();
  const checkoutProcessor = new SkyWalkingSpanProcessor({ ...FAST, collector: address });
  const inventoryProcessor = new SkyWalkingSpanProcessor({ ...FAST, collector: address });
  const checkout = providerFor('checkout', checkoutProcessor);
  const inventory = providerFor('inventory', inventoryProcessor);
  const propagator = createSkyWalkingPropagator();
  try {
    const http = checkout.getTracer('@opentelemetry/instrumentation-http');
    const root = http.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/checkout/:id', 'url.path': '/checkout/7', 'http.response.status_code': 200 },
    });
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const handler = checkout.getTracer('@opentelemetry/instrumentation-express').startSpan('request handler', {
      attributes: { 'http.route': '/checkout/:id' },
    }, rootContext);
    const handlerContext = trace.setSpan(ROOT_CONTEXT, handler);
    const exits: Array<[string, string, Record<string, string | number>]> = [
      ['@opentelemetry/instrumentation-mongodb', 'find orders', { 'db.system.name': 'mongodb', 'db.namespace': 'shop', 'db.query.text': '{"find":"orders"}', 'server.address': 'mongo.local', 'server.port': 27017 }],
      ['@opentelemetry/instrumentation-pg', 'SELECT', { 'db.system': 'postgresql', 'db.statement': 'SELECT 1', 'server.address': 'pg.local', 'server.port': 5432 }],
      ['@opentelemetry/instrumentation-mysql2', 'SELECT', { 'db.system': 'mysql', 'db.statement': 'SELECT 1', 'server.address': 'mysql.local', 'server.port': 3306 }],
      ['@opentelemetry/instrumentation-ioredis', 'get', { 'db.system': 'redis', 'db.statement': 'get k', 'server.address': 'redis.local', 'server.port': 6379 }],
      ['@opentelemetry/instrumentation-grpc', 'grpc.Stock/Get', { 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0, 'server.address': 'grpc.local', 'server.port': 50051 }],
    ];
    for (const [scope, name, attributes] of exits) {
      checkout.getTracer(scope).startSpan(name, { kind: SpanKind.CLIENT, attributes }, handlerContext).end();
    }

    // HTTP call checkout → inventory, with headers written and read by the propagator.
    const call = http.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': 'http://inventory.local:9090/stock/7', 'server.address': 'inventory.local', 'server.port': 9090 },
    }, handlerContext);
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, call), headers, defaultTextMapSetter);
    const incoming = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const served = inventory.getTracer('@opentelemetry/instrumentation-http').startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/stock/:id', 'http.response.status_code': 200 },
    }, incoming);
    const failing = inventory.getTracer('t').startSpan('reserve', {}, trace.setSpan(incoming, served));
    failing.recordException(new Error('out of stock'));
    failing.setStatus({ code: SpanStatusCode.ERROR });
    failing.end();
    served.end();
    call.end();

    // RabbitMQ publish checkout → consume in inventory; sw8-x carries the send time.
    const amqp = '@otel-skywalking/instrumentation-amqplib';
    const publish = checkout.getTracer(amqp).startSpan('orders publish', {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders', 'server.address': 'rabbit.local', 'server.port': 5672 },
    }, handlerContext);
    const message: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, publish), message, defaultTextMapSetter);
    publish.end();
    assert.ok(message['sw8-x'] !== undefined, 'a producer writes its send time into sw8-x');
    const delivered: Context = propagator.extract(ROOT_CONTEXT, message, defaultTextMapGetter);
    inventory.getTracer(amqp).startSpan('orders process', {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders', 'server.address': 'rabbit.local', 'server.port': 5672 },
    }, delivered).end();

    handler.end();
    root.end();
    // A timer that fires after the request ended: a CrossThread segment.
    checkout.getTracer('t').startSpan('late cleanup', {}, handlerContext).end();

    await Promise.all([checkoutProcessor.forceFlush(), inventoryProcessor.forceFlush()]);
    const tree = await collector.waitFor((c) => c.traces().find((t) => t.segments.length === 4), 5000);

    assert.deepEqual(collector.violations(), []);
    assert.equal(tree.roots.length, 1, 'one tree: refs link every segment to its parent');
    assert.deepEqual(tree.missingParents, []);
    assert.deepEqual(tree.services.sort(), ['checkout', 'inventory']);
    assert.equal(tree.spanCount, 13);
    // a consumer entry is named from exchange and routing key, never from the span name (the queue)
    const consumer = tree.segments.find((s) => s.spans[0].operationName === 'RabbitMQ/orders//Consumer')!;
    const latency = consumer.spans[0].tags.find((t) => t.key === 'transmission.latency');
    assert.ok(latency !== undefined && Number(latency.value) >= 0, 'the consumer reports transmission.latency');

    const edges = collector.topology().map((e) => `${e.source}->${e.target}:${e.detectPoints.sort().join('+')}`);
    for (const expected of [
      'User->checkout:server',
      'checkout->inventory:client+server',
      'checkout->mongo.local:27017:client',
      'checkout->pg.local:5432:client',
      'checkout->mysql.local:3306:client',
      'checkout->redis.local:6379:client',
      'checkout->grpc.local:50051:client',
    ]) {
      assert.ok(edges.includes(expected), `${expected} in ${edges.join(', ')}`);
    }
    const stats = checkoutProcessor.getStats();
    assert.equal(stats.spansExported, 10);
    assert.equal(stats.segmentsExported, 2);
    assert.equal(checkoutProcessor.getStats().tracker.crossThreadSegments, 1);
    assert.equal(inventoryProcessor.getStats().tracker.crossProcessRefs, 2);
  } finally {
    await Promise.all([checkout.shutdown(), inventory.shutdown()]);
    await collector.close();
  }
});

test('a segment split by the batch size is joined again: each segment arrives whole, once', async () => {
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxExportBatchSize: 7 });
  const provider = providerFor('checkout', processor);
  try {
    for (let i = 0; i < 40; i++) requestSegment(provider, i, i % 5 === 0);
    await processor.forceFlush();
    await collector.waitFor((c) => c.segments().length >= 40, 5000);
    const segments = collector.segments();
    assert.equal(segments.length, 40);
    assert.ok(segments.every((s) => s.spans.length === 5 && s.spans.every((span, i) => span.spanId === i)));
    assert.ok(segments.every((s) => !s.isSizeLimited));
    assert.deepEqual(collector.violations(), []);
    const stats = processor.getStats();
    assert.equal(stats.spansExported, 200);
    assert.equal(stats.assemblingSpans, 0);
    assert.equal(stats.queuedSpans, 0);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

test('both report methods deliver: one collectInSync call per batch, or one collect message per segment', async () => {
  const { collector, address } = await startCollector();
  const unary = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxExportBatchSize: 50 });
  const streaming = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxExportBatchSize: 50, reportMethod: 'collect' });
  const unaryProvider = providerFor('unary', unary);
  const streamingProvider = providerFor('streaming', streaming);
  try {
    for (let i = 0; i < 20; i++) {
      requestSegment(unaryProvider, i);
      requestSegment(streamingProvider, i);
    }
    await Promise.all([unary.forceFlush(), streaming.forceFlush()]);
    await collector.waitFor((c) => c.segments().length >= 40, 5000);
    const stats = collector.getStats();
    assert.equal(unary.getStats().exportsSucceeded, stats.collectInSyncCalls);
    assert.equal(streaming.getStats().exportsSucceeded, stats.streamsOpened);
    assert.ok(stats.collectInSyncCalls >= 2 && stats.streamsOpened >= 2);
    assert.equal(collector.segments().filter((s) => s.service === 'streaming').length, 20);
    assert.equal(collector.segments().filter((s) => s.service === 'unary').length, 20);
    assert.deepEqual(collector.violations(), []);
  } finally {
    await Promise.all([unaryProvider.shutdown(), streamingProvider.shutdown()]);
    await collector.close();
  }
});

test('collectInSync reuses its buffer across batches: small, large and small batches in turn all arrive intact', async () => {
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxExportBatchSize: 25, maxTagValueLength: 20_000 });
  const provider = providerFor('checkout', processor);
  try {
    // 5 segments a batch; the middle rounds carry 40 kB of tags a segment, so a batch outgrows the
    // kept buffer (64 kB) and a new one is made, then later small batches are written into it
    const rounds = [0, 0, 40_000, 40_000, 0, 0];
    let n = 0;
    for (const size of rounds) {
      for (let i = 0; i < 5; i++) requestSegment(provider, n++, false, size === 0 ? undefined : `${n}`.padEnd(Math.floor(size / 3), 'x'));
      await processor.forceFlush();
    }
    await collector.waitFor((c) => c.segments().length >= n, 5000);
    const segments = collector.segments();
    assert.equal(segments.length, n);
    const urls = segments.map((s) => s.spans[0].tags.find((t) => t.key === 'url')?.value).sort();
    assert.deepEqual(urls, Array.from({ length: n }, (_, i) => `http://checkout.local:8080/orders/${i}`).sort());
    const payloads = segments.filter((s) => s.spans[0].tags.some((t) => t.key === 'app.payload.1'));
    assert.equal(payloads.length, 10);
    for (const segment of payloads) {
      const tags = segment.spans[0].tags.filter((t) => t.key.startsWith('app.payload.'));
      assert.equal(tags.length, 3);
      assert.ok(tags.every((t) => t.value === tags[0].value && t.value.length === Math.floor(40_000 / 3) && /^\d+x+$/.test(t.value)), 'payload tags arrive as written');
    }
    assert.deepEqual(collector.violations(), []);
    assert.equal(processor.getStats().exportsSucceeded, rounds.length);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

test('the exporter alone under a plain BatchSpanProcessor still sends valid segments', async () => {
  const { collector, address } = await startCollector();
  const exporter = new SkyWalkingTraceExporter({ collector: address, heartbeatIntervalMillis: 0 });
  const provider = providerFor('checkout', new BatchSpanProcessor(exporter, { scheduledDelayMillis: 20, maxExportBatchSize: 64 }));
  try {
    for (let i = 0; i < 30; i++) requestSegment(provider, i);
    await provider.forceFlush();
    await collector.waitFor((c) => c.segments().reduce((n, s) => n + s.spans.length, 0) >= 150, 5000);
    assert.deepEqual(collector.violations({ severity: 'error' }), []);
    const segments = collector.segments();
    assert.ok(segments.every((s) => s.spans[0].parentSpanId === -1));
    assert.equal(exporter.getStats().spansExported, 150);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

test('instance properties and keepAlive reach the ManagementService', async () => {
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ collector: address, heartbeatIntervalMillis: 50, propertiesReportFactor: 3 });
  const provider = providerFor('checkout', processor, 'checkout-7');
  try {
    requestSegment(provider, 1);
    const instance = await collector.waitFor(
      (c) => c.instances().find((i) => i.serviceInstance === 'checkout-7' && i.keepAlives >= 2),
      5000,
    );
    assert.equal(instance.service, 'checkout');
    assert.equal(instance.layer, 'GENERAL');
    assert.equal(instance.properties.language, 'nodejs');
    assert.equal(instance.properties['OS Name'], process.platform);
    assert.equal(instance.properties['Process No.'], String(process.pid));
    assert.ok(instance.properties.hostname.length > 0);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

test('the Authentication token is sent; a wrong one is rejected, counted and logged once with a hint', async () => {
  const { collector, address } = await startCollector({ token: 'secret' });
  const messages: string[] = [];
  diag.setLogger(
    { error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.WARN,
  );
  const good = new SkyWalkingSpanProcessor({ ...FAST, collector: address, authentication: 'secret' });
  const bad = new SkyWalkingSpanProcessor({ ...FAST, collector: address, authentication: 'wrong' });
  const goodProvider = providerFor('checkout', good);
  const badProvider = providerFor('intruder', bad);
  try {
    for (let i = 0; i < 5; i++) {
      requestSegment(goodProvider, i);
      requestSegment(badProvider, i);
      await Promise.all([good.forceFlush(), bad.forceFlush()]);
    }
    await collector.waitFor((c) => c.segments().length >= 5, 5000);
    assert.ok(collector.segments().every((s) => s.service === 'checkout'));
    const stats = bad.getStats();
    assert.equal(stats.droppedSpans.rejected, 25);
    assert.equal(stats.spansExported, 0);
    const tokenHints = messages.filter((m) => m.includes('SW_AGENT_AUTHENTICATION'));
    assert.equal(tokenHints.length, 1, 'five failures, one log line');
  } finally {
    diag.disable();
    await Promise.all([goodProvider.shutdown(), badProvider.shutdown()]);
    await collector.close();
  }
});

test('TLS with a custom CA, mutual TLS with a client certificate; a wrong CA or a missing certificate gets nothing through', async () => {
  const certs = makeCertificates();
  const tlsCollector = await startCollector({ tls: { key: certs.serverKey, cert: certs.serverCert } });
  const mtlsCollector = await startCollector({ tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca } });
  const dir = mkdtempSync(join(tmpdir(), 'otel-sw-ca-'));
  writeFileSync(join(dir, 'ca.crt'), certs.ca);
  const variables = ['SW_AGENT_SSL_TRUSTED_CA_PATH'] as const;
  process.env.SW_AGENT_SSL_TRUSTED_CA_PATH = join(dir, 'ca.crt');
  const cases = {
    // the CA comes from the Java agent's variable
    fromEnv: new SkyWalkingSpanProcessor({ ...FAST, collector: tlsCollector.address }),
    mutual: new SkyWalkingSpanProcessor({
      ...FAST,
      collector: mtlsCollector.address,
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    }),
    wrongCa: new SkyWalkingSpanProcessor({ ...FAST, collector: tlsCollector.address, tls: { ca: certs.otherCa } }),
    noClientCert: new SkyWalkingSpanProcessor({ ...FAST, collector: mtlsCollector.address, tls: { ca: certs.ca } }),
  };
  for (const v of variables) delete process.env[v];
  const providers = Object.entries(cases).map(([name, processor]) => providerFor(name, processor));
  try {
    providers.forEach((p, i) => requestSegment(p, i));
    await Promise.all(Object.values(cases).map((p) => p.forceFlush()));
    await tlsCollector.collector.waitFor((c) => c.segments().length >= 1, 5000);
    await mtlsCollector.collector.waitFor((c) => c.segments().length >= 1, 5000);
    assert.deepEqual(tlsCollector.collector.segments().map((s) => s.service), ['fromEnv']);
    assert.deepEqual(mtlsCollector.collector.segments().map((s) => s.service), ['mutual']);
    assert.equal(cases.wrongCa.getStats().spansExported, 0);
    assert.equal(cases.noClientCert.getStats().spansExported, 0);
    assert.equal(cases.wrongCa.getStats().droppedSpans.unavailable, 5);
    assert.ok(cases.noClientCert.getStats().droppedSpans.unavailable + cases.noClientCert.getStats().droppedSpans.rejected === 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all(providers.map((p) => p.shutdown()));
    await tlsCollector.collector.close();
    await mtlsCollector.collector.close();
  }
});

test('TLS settings are read from the SkyWalking agent variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sw-env-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'client.crt'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    assert.equal(resolveExporterConfig({}, {}).tls, undefined);
    assert.deepEqual(resolveExporterConfig({}, { SW_AGENT_SECURE: 'true' }).tls, { ca: undefined, cert: undefined, key: undefined });
    const mutual = resolveExporterConfig({}, {
      SW_AGENT_SSL_TRUSTED_CA_PATH: join(dir, 'ca.crt'),
      SW_AGENT_SSL_CERT_CHAIN_PATH: join(dir, 'client.crt'),
      SW_AGENT_SSL_KEY_PATH: join(dir, 'client.key'),
    }).tls;
    assert.deepEqual([mutual?.ca?.toString(), mutual?.cert?.toString(), mutual?.key?.toString()], ['CA', 'CERT', 'KEY']);
    const env = resolveExporterConfig({}, {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: 'oap-1:11800, oap-2:11800',
      SW_AGENT_AUTHENTICATION: 'token',
      SW_AGENT_TRACE_TIMEOUT: '2500',
      SW_AGENT_COLLECTOR_HEARTBEAT_PERIOD: '20',
    });
    assert.deepEqual(env.collectors, ['oap-1:11800', 'oap-2:11800']);
    assert.equal(env.authentication, 'token');
    assert.equal(env.timeoutMillis, 2500);
    assert.equal(env.heartbeatIntervalMillis, 20_000);
    assert.equal(resolveExporterConfig({ tls: false }, { SW_AGENT_SECURE: 'true' }).tls, undefined);
    assert.throws(() => resolveExporterConfig({ tls: { cert: 'x' } }, {}), /tls.cert and tls.key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('failover: when the first collector refuses, segments go to the next one, from the first batch on', async () => {
  const refused = `127.0.0.1:${await freePort()}`;
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: [refused, address], circuitFailureThreshold: 100 });
  const provider = providerFor('checkout', processor);
  try {
    for (let i = 0; i < 3; i++) {
      requestSegment(provider, i);
      await processor.forceFlush();
    }
    await collector.waitFor((c) => c.segments().length >= 3, 5000);
    assert.equal(processor.getStats().collector, address);
    assert.equal(processor.getStats().droppedSpans.unavailable, 0);
    assert.equal(processor.getStats().spansExported, 15);
    assert.deepEqual(collector.violations(), []);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('stats are reported as OpenTelemetry metrics when a MeterProvider is given', async () => {
  const { collector, address } = await startCollector();
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxSpansPerSegment: 4, meterProvider });
  const provider = providerFor('checkout', processor);
  try {
    for (let i = 0; i < 3; i++) requestSegment(provider, i);
    await processor.forceFlush();
    await collector.waitFor((c) => c.segments().length >= 3, 5000);
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const named = (name: string) => metrics.find((m) => m.descriptor.name === name)!;
    const point = (name: string, errorType?: string) =>
      named(name).dataPoints.find((p) => p.attributes['error.type'] === errorType)?.value;
    // OpenTelemetry's own names for what every exporter and processor has
    assert.equal(point('otel.sdk.exporter.span.exported'), 12);
    assert.equal(point('otel.sdk.processor.span.processed', 'span_limit'), 3);
    assert.equal(point('otel.sdk.processor.span.processed'), 12);
    assert.equal(named('otel.sdk.exporter.span.exported').dataPoints[0].attributes['otel.component.type'], 'skywalking_trace_exporter');
    assert.match(String(named('otel.sdk.processor.span.processed').dataPoints[0].attributes['otel.component.name']), /^skywalking_span_processor\/\d+$/);
    assert.equal(point('otel.sdk.processor.span.queue.capacity'), 2048);
    const duration = named('otel.sdk.exporter.operation.duration');
    assert.equal(duration.descriptor.unit, 's');
    assert.equal(duration.dataPointType, DataPointType.HISTOGRAM);
    assert.ok(duration.dataPoints.length > 0);
    // skywalking.* for what is ours
    assert.equal(point('skywalking.exporter.segments'), 3);
    const buffered = named('skywalking.exporter.buffered');
    assert.ok(buffered.dataPoints.some((p) => p.attributes.buffer === 'queue'));
  } finally {
    await provider.shutdown();
    await meterProvider.shutdown();
    await collector.close();
  }
});

test('limits keep segments valid: the span limit marks isSizeLimited, an evicted segment is sent with a placeholder root', async () => {
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxSpansPerSegment: 3, maxOpenSegments: 1 });
  const provider = providerFor('checkout', processor);
  try {
    requestSegment(provider, 1); // 5 spans: ids 3 and 4 are past the limit
    const tracer = provider.getTracer('t');
    const longRunning = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/ws' } });
    tracer.startSpan('first message', {}, child(longRunning)).end();
    // Another request starts: the open-segment cap (1) evicts the long-running one.
    const next = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/next' } });
    next.end();
    longRunning.end(); // its segment already left
    await processor.forceFlush();
    await collector.waitFor((c) => c.segments().length >= 3, 5000);
    assert.deepEqual(collector.violations({ severity: 'error' }), []);
    const [limited, evicted, whole] = collector.segments();
    assert.deepEqual([limited.spans.length, limited.isSizeLimited], [3, true]);
    assert.deepEqual(evicted.spans.map((s) => [s.spanId, s.parentSpanId, s.skipAnalysis]), [[0, -1, true], [1, 0, false]]);
    assert.equal(evicted.isSizeLimited, true);
    assert.deepEqual([whole.spans.length, whole.isSizeLimited], [1, false]);
    const stats = processor.getStats();
    assert.equal(stats.droppedSpans.span_limit, 2);
    assert.equal(stats.droppedSpans.segment_closed, 1);
    assert.equal(stats.tracker.evictedByCap, 1);
  } finally {
    await provider.shutdown();
    await collector.close();
  }
});

test('full buffers drop whole segments, counted: the held-span cap and the export queue', async () => {
  const { collector, address } = await startCollector();
  const held = new SkyWalkingSpanProcessor({ ...FAST, collector: address, maxHeldSpans: 6 });
  const heldProvider = providerFor('held', held);
  const queued = new SkyWalkingSpanProcessor({ collector: address, heartbeatIntervalMillis: 0, maxQueueSize: 10, scheduledDelayMillis: 60_000 });
  const queuedProvider = providerFor('queued', queued);
  try {
    const tracer = heldProvider.getTracer('t');
    const a = tracer.startSpan('a', { kind: SpanKind.SERVER });
    const b = tracer.startSpan('b', { kind: SpanKind.SERVER });
    for (let i = 0; i < 4; i++) tracer.startSpan(`a${i}`, {}, child(a)).end(); // held: 4
    for (let i = 0; i < 4; i++) tracer.startSpan(`b${i}`, {}, child(b)).end(); // b's 3rd span hits the cap: b is dropped
    a.end();
    b.end();
    for (let i = 0; i < 5; i++) requestSegment(queuedProvider, i);
    await Promise.all([held.forceFlush(), queued.forceFlush()]);
    await collector.waitFor((c) => c.segments().length >= 1 + 4, 5000);
    const byService = (name: string) => collector.segments().filter((s) => s.service === name);
    assert.deepEqual(byService('held').map((s) => s.spans.length), [5]);
    assert.deepEqual(held.getStats().droppedSegments.held_full, 1);
    assert.deepEqual(held.getStats().droppedSpans.held_full, 5);
    // 10 spans fit: one batch is exported at once, two segments wait, the fifth does not fit
    const queuedStats = queued.getStats();
    assert.equal(queuedStats.droppedSegments.queue_full, 1);
    assert.equal(queuedStats.droppedSpans.queue_full, 5);
    assert.ok(byService('queued').every((s) => s.spans.length === 5));
    assert.equal(byService('queued').length, 4);
    assert.deepEqual(collector.violations({ severity: 'error' }), []);
  } finally {
    await Promise.all([heldProvider.shutdown(), queuedProvider.shutdown()]);
    await collector.close();
  }
});

test('spans ending after shutdown are counted, and shutdown sends what open segments already have', async () => {
  const { collector, address } = await startCollector();
  const processor = new SkyWalkingSpanProcessor({ ...FAST, collector: address });
  const provider = providerFor('checkout', processor);
  try {
    const tracer = provider.getTracer('t');
    const open = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/open' } });
    tracer.startSpan('done part', {}, child(open)).end();
    await provider.shutdown();
    open.end();
    assert.equal(processor.getStats().droppedSpans.shutdown, 1);
    assert.ok(await eventually(() => collector.segments().length === 1, 2000));
    const [segment] = collector.segments();
    assert.equal(segment.isSizeLimited, true);
    assert.deepEqual(segment.spans.map((s) => s.operationName), ['otel-skywalking:span-not-exported', 'done part']);
    assert.deepEqual(collector.violations({ severity: 'error' }), []);
  } finally {
    await collector.close();
  }
});
