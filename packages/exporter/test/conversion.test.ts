/**
 * Span → SpanObject rules, checked on the segments SegmentSerializer builds from real SDK spans
 * (the exporter's own pipeline without the network), each segment also run through the
 * collector's OAP rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Span,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  COMPONENT_ID_ATTRIBUTE,
  MQ_TOPIC_ATTRIBUTE,
  SegmentTracker,
  decodeSw8,
  encodeSw8,
  encodeSw8Extension,
  segmentIdFor,
  swSpanOf,
} from '@otel-skywalking/core';
import { RefType, SpanLayer, SpanType, traceSegmentReportService, type SegmentObject, type SpanObject } from '@otel-skywalking/core/protocol';
import { validateSegment } from '@otel-skywalking/collector';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { PLACEHOLDER_OPERATION_NAME, SegmentSerializer, TRANSMISSION_LATENCY_ATTRIBUTE } from '../src';
import { SegmentEncoder } from '../src/encoding/segment-object';
import { child } from './helpers';

function setup(tracked = true) {
  const memory = new InMemorySpanExporter();
  const processors = tracked ? [new SegmentTracker(), new SimpleSpanProcessor(memory)] : [new SimpleSpanProcessor(memory)];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'checkout-1' }),
    spanProcessors: processors,
  });
  return { provider, memory };
}

/** SegmentObject bytes → a plain object, decoded as the collector decodes them, for comparing encodings. */
const decoded = traceSegmentReportService().collect.requestDeserialize;

/**
 * The segments as objects, validated; and the export path (tags written straight into the bytes)
 * checked to send exactly these segments.
 */
function serialize(spans: ReadableSpan[], serializer = new SegmentSerializer()): SegmentObject[] {
  const segments = serializer.toSegmentObjects(spans);
  for (const segment of segments) assert.deepEqual(validateSegment(segment).filter((v) => v.severity === 'error'), []);
  const sent = serializer.serialize(spans);
  assert.equal(sent.length, segments.length);
  const encoder = new SegmentEncoder();
  for (let i = 0; i < sent.length; i++) assert.deepEqual(decoded(sent[i]), decoded(encoder.encode(segments[i])));
  return segments;
}

function onlySpan(spans: ReadableSpan[]): SpanObject {
  const segments = serialize(spans);
  assert.equal(segments.length, 1);
  assert.equal(segments[0].spans.length, 1);
  return segments[0].spans[0];
}

function tagsOf(span: SpanObject): Record<string, string> {
  return Object.fromEntries(span.tags.map((t) => [t.key, t.value]));
}

test('span kind, layer and component follow the semantic conventions and the instrumentation scope', () => {
  const cases: Array<{ scope: string; kind: SpanKind; attributes: Record<string, string | number>; type: SpanType; layer: SpanLayer; component: number }> = [
    { scope: '@opentelemetry/instrumentation-http', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' }, type: SpanType.Entry, layer: SpanLayer.Http, component: 49 },
    { scope: '@opentelemetry/instrumentation-http', kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.address': 'a', 'server.port': 1 }, type: SpanType.Exit, layer: SpanLayer.Http, component: 2 },
    { scope: '@opentelemetry/instrumentation-express', kind: SpanKind.INTERNAL, attributes: { 'http.route': '/a' }, type: SpanType.Local, layer: SpanLayer.Http, component: 4002 },
    { scope: '@opentelemetry/instrumentation-mongodb', kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'mongodb', 'server.address': 'm', 'server.port': 27017 }, type: SpanType.Exit, layer: SpanLayer.Database, component: 9 },
    { scope: '@otel-skywalking/instrumentation-amqplib', kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'rabbitmq', 'server.address': 'r', 'server.port': 5672 }, type: SpanType.Exit, layer: SpanLayer.MQ, component: 52 },
    { scope: '@otel-skywalking/instrumentation-amqplib', kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'rabbitmq' }, type: SpanType.Entry, layer: SpanLayer.MQ, component: 53 },
    { scope: 'custom', kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'server.address': 'g', 'server.port': 50051 }, type: SpanType.Exit, layer: SpanLayer.RPCFramework, component: 23 },
    { scope: 'custom', kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'server.address': 'p', 'server.port': 5432 }, type: SpanType.Exit, layer: SpanLayer.Database, component: 22 },
    { scope: 'custom', kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'mysql', 'server.address': 'my', 'server.port': 3306 }, type: SpanType.Exit, layer: SpanLayer.Database, component: 5 },
    { scope: 'custom', kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis', 'server.address': 'rd', 'server.port': 6379 }, type: SpanType.Exit, layer: SpanLayer.Cache, component: 7 },
    { scope: 'custom', kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka' }, type: SpanType.Entry, layer: SpanLayer.MQ, component: 41 },
    { scope: 'custom', kind: SpanKind.SERVER, attributes: { 'http.method': 'POST' }, type: SpanType.Entry, layer: SpanLayer.Http, component: 49 },
    { scope: 'custom', kind: SpanKind.CLIENT, attributes: { 'http.method': 'GET', 'http.url': 'http://h:1/x', [COMPONENT_ID_ATTRIBUTE]: 4005 }, type: SpanType.Exit, layer: SpanLayer.Http, component: 4005 },
    { scope: 'custom', kind: SpanKind.INTERNAL, attributes: {}, type: SpanType.Local, layer: SpanLayer.Unknown, component: 0 },
  ];
  for (const c of cases) {
    const { provider, memory } = setup();
    provider.getTracer(c.scope).startSpan('op', { kind: c.kind, attributes: c.attributes }).end();
    const span = onlySpan(memory.getFinishedSpans());
    const label = `${c.scope} ${SpanKind[c.kind]} ${JSON.stringify(c.attributes)}`;
    assert.equal(span.spanType, c.type, label);
    assert.equal(span.spanLayer, c.layer, label);
    assert.equal(span.componentId, c.component, label);
  }
});

test('SkyWalking well-known tags come from the semantic conventions; other attributes follow the filter', () => {
  const { provider, memory } = setup();
  const tracer = provider.getTracer('t');
  tracer.startSpan('GET', {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'GET',
      'url.full': 'http://inventory:9090/stock?id=1',
      'http.response.status_code': 404,
      'server.address': 'inventory',
      'server.port': 9090,
      'app.tenant': 'acme',
      'secret.token': 'x',
      'list.value': ['a', 'b'],
    },
  }).end();
  tracer.startSpan('find', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'mongodb', 'db.namespace': 'shop', 'db.query.text': '{"find":"orders"}', 'server.address': 'm' },
  }).end();
  tracer.startSpan('SET', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'redis', 'db.statement': 'SET key ?', 'server.address': 'r' },
  }).end();
  tracer.startSpan('orders process', {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'orders',
      'messaging.rabbitmq.destination.routing_key': 'orders.created',
      'server.address': 'rabbit',
      'server.port': 5672,
      [TRANSMISSION_LATENCY_ATTRIBUTE]: 12.4,
    },
  }).end();
  const serializer = new SegmentSerializer({ tagAttributes: { exclude: ['secret.*'] } });
  const [http, db, cache, mq] = serialize(memory.getFinishedSpans(), serializer).map((s) => s.spans[0]);

  const httpTags = tagsOf(http);
  assert.equal(httpTags.url, 'http://inventory:9090/stock?id=1');
  assert.equal(httpTags['http.method'], 'GET');
  assert.equal(httpTags['http.status_code'], '404');
  assert.equal(httpTags['app.tenant'], 'acme');
  assert.equal(httpTags['list.value'], '["a","b"]');
  assert.equal(httpTags['secret.token'], undefined, 'excluded by the filter');
  assert.equal(httpTags['http.request.method'], undefined, 'mapped attributes are not repeated');
  assert.equal(http.peer, 'inventory:9090');

  assert.deepEqual(
    { type: tagsOf(db)['db.type'], instance: tagsOf(db)['db.instance'], statement: tagsOf(db)['db.statement'] },
    { type: 'MongoDB', instance: 'shop', statement: '{"find":"orders"}' },
  );
  const cacheTags = tagsOf(cache);
  assert.equal(cache.spanLayer, SpanLayer.Cache);
  assert.deepEqual([cacheTags['cache.type'], cacheTags['cache.cmd'], cacheTags['cache.op']], ['redis', 'set', 'write']);

  const mqTags = tagsOf(mq);
  assert.deepEqual(
    [mqTags['mq.broker'], mqTags['mq.topic'], mqTags['mq.queue'], mqTags['transmission.latency']],
    ['amqp://rabbit:5672', 'orders', 'orders.created', '12'],
  );
  assert.equal(mq.peer, 'rabbit:5672', 'a consumer entry names its broker, as the OAP expects for MQ');

  const onlyInclude = new SegmentSerializer({ tagAttributes: { include: ['app.*'] } });
  const filtered = tagsOf(onlyInclude.toSegmentObjects(memory.getFinishedSpans().slice(0, 1))[0].spans[0]);
  assert.equal(filtered['app.tenant'], 'acme');
  assert.equal(filtered['list.value'], undefined);
  assert.equal(filtered['http.method'], 'GET', 'well-known tags are always written');
});

test('mq.topic is the instrumentation’s SkyWalking topic (the bare exchange) when it gives one', () => {
  const { provider, memory } = setup();
  const tracer = provider.getTracer('@otel-skywalking/instrumentation-amqplib');
  const messaging = { 'messaging.system': 'rabbitmq', 'server.address': 'mq', 'server.port': 5672, 'messaging.rabbitmq.destination.routing_key': 'orders.created' };
  tracer.startSpan('publish', { kind: SpanKind.PRODUCER, attributes: { ...messaging, 'messaging.destination.name': 'shop:orders.created', [MQ_TOPIC_ATTRIBUTE]: 'shop' } }).end();
  tracer.startSpan('publish', { kind: SpanKind.PRODUCER, attributes: { ...messaging, 'messaging.destination.name': 'orders.created', [MQ_TOPIC_ATTRIBUTE]: '' } }).end();
  tracer.startSpan('publish', { kind: SpanKind.PRODUCER, attributes: { ...messaging, 'messaging.destination.name': 'other-lib-topic' } }).end();
  const [named, defaultExchange, otherLibrary] = memory.getFinishedSpans().map((span) => tagsOf(onlySpan([span])));
  assert.equal(named['mq.topic'], 'shop');
  assert.equal(named['mq.queue'], 'orders.created');
  assert.equal(named[MQ_TOPIC_ATTRIBUTE], undefined, 'mapped, not repeated as a raw tag');
  assert.equal(defaultExchange['mq.topic'], '', 'the default exchange: an empty topic, as SkyWalking agents report it');
  assert.equal(defaultExchange['mq.queue'], 'orders.created');
  assert.equal(otherLibrary['mq.topic'], 'other-lib-topic', 'without it, messaging.destination.name');
});

test('events and exceptions become logs; an error status sets isError', () => {
  const { provider, memory } = setup();
  const span = provider.getTracer('t').startSpan('work');
  span.addEvent('cache miss', { key: 'orders:1' });
  const error = new TypeError('bad order');
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad order' });
  span.end();
  const out = onlySpan(memory.getFinishedSpans());
  assert.equal(out.isError, true);
  assert.equal(out.logs.length, 2);
  assert.deepEqual(out.logs[0].data, [
    { key: 'event', value: 'cache miss' },
    { key: 'key', value: 'orders:1' },
  ]);
  const errorLog = Object.fromEntries(out.logs[1].data.map((d) => [d.key, d.value]));
  assert.equal(errorLog.event, 'error');
  assert.equal(errorLog['error.kind'], 'TypeError');
  assert.equal(errorLog.message, 'bad order');
  assert.match(errorLog.stack, /TypeError: bad order/);
  assert.ok(out.logs[1].time >= out.startTime && out.logs[1].time <= out.endTime);

  const { provider: p2, memory: m2 } = setup();
  const failed = p2.getTracer('t').startSpan('work');
  failed.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout talking to stock' });
  failed.end();
  const withStatusOnly = onlySpan(m2.getFinishedSpans());
  assert.deepEqual(withStatusOnly.logs[0].data, [
    { key: 'event', value: 'error' },
    { key: 'message', value: 'timeout talking to stock' },
  ]);

  // spans without logs or tags handed to the caller have arrays of their own, safe to change
  const { provider: p3, memory: m3 } = setup(false);
  p3.getTracer('t').startSpan('a').end();
  p3.getTracer('t').startSpan('b').end();
  const [a, b] = serialize(m3.getFinishedSpans()).map((segment) => segment.spans[0]);
  assert.deepEqual([a.logs, a.tags], [[], []]);
  assert.notEqual(a.logs, b.logs);
  assert.notEqual(a.tags, b.tags);
});

test('OAP limits are applied to names and tags, and every cut is counted', () => {
  const { provider, memory } = setup();
  provider.getTracer('t').startSpan('x'.repeat(400), {
    attributes: { 'db.system.name': 'mysql', 'db.namespace': 'n'.repeat(400), 'note': 'v'.repeat(5000) },
  }).end();
  const serializer = new SegmentSerializer({ maxTagValueLength: 100 });
  const span = serializer.toSegmentObjects(memory.getFinishedSpans())[0].spans[0];
  assert.equal(span.operationName.length, 150);
  const tags = tagsOf(span);
  assert.equal(`db.instance=${tags['db.instance']}`.length, 256, 'searchable tags fit the OAP index (256 as key=value)');
  assert.equal(tags.note.length, 100);
  assert.equal(serializer.truncations, 3);
  const [sent] = serializer.serialize(memory.getFinishedSpans());
  assert.deepEqual(decoded(sent), decoded(new SegmentEncoder().encode(serializer.toSegmentObjects(memory.getFinishedSpans())[0])));
  assert.equal(serializer.truncations, 9, 'the export path counts the same cuts');
});

test('an incoming sw8 becomes a CrossProcess ref with all 8 fields; sw8-x skip-analysis marks every span', () => {
  const { provider, memory } = setup();
  const propagator = createSkyWalkingPropagator();
  const carrier = {
    sw8: encodeSw8({
      sampled: true,
      traceId: 'a1b2c3.44.16563474296430001',
      parentSegmentId: 'f00dfeedf00dfeedf00dfeedf00dfeed',
      parentSpanId: 3,
      parentService: 'gateway',
      parentServiceInstance: 'gateway-7',
      parentEndpoint: 'GET:/api',
      targetAddress: 'checkout:8080',
    }),
    'sw8-x': encodeSw8Extension({ skipAnalysis: true }),
  };
  const parent = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const tracer = provider.getTracer('t');
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders' } }, parent);
  tracer.startSpan('inner', {}, trace.setSpan(parent, root)).end();
  root.end();
  const [segment] = serialize(memory.getFinishedSpans());
  assert.equal(segment.traceId, 'a1b2c3.44.16563474296430001', 'the SkyWalking trace id is kept as is');
  assert.deepEqual(segment.spans[0].refs, [
    {
      refType: RefType.CrossProcess,
      traceId: 'a1b2c3.44.16563474296430001',
      parentTraceSegmentId: 'f00dfeedf00dfeedf00dfeedf00dfeed',
      parentSpanId: 3,
      parentService: 'gateway',
      parentServiceInstance: 'gateway-7',
      parentEndpoint: 'GET:/api',
      networkAddressUsedAtPeer: 'checkout:8080',
    },
  ]);
  assert.deepEqual(segment.spans[1].refs, []);
  assert.ok(segment.spans.every((s) => s.skipAnalysis));
  assert.equal(segment.spans[0].operationName, 'GET:/orders');
});

test('a child that starts after its segment ended opens a segment with a CrossThread ref', () => {
  const { provider, memory } = setup();
  const tracer = provider.getTracer('t');
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/r' } });
  root.end();
  tracer.startSpan('late timer', {}, child(root)).end();
  const segments = serialize(memory.getFinishedSpans());
  assert.equal(segments.length, 2);
  const [first, late] = segments;
  assert.equal(late.traceId, first.traceId);
  assert.deepEqual(late.spans[0].refs, [
    {
      refType: RefType.CrossThread,
      traceId: first.traceId,
      parentTraceSegmentId: first.traceSegmentId,
      parentSpanId: 0,
      parentService: 'checkout',
      parentServiceInstance: 'checkout-1',
      parentEndpoint: 'GET:/r',
      networkAddressUsedAtPeer: '',
    },
  ]);
  assert.equal(late.spans[0].parentSpanId, -1);
});

test('the exit span reports exactly the peer the propagator wrote into sw8 field 8', () => {
  const { provider, memory } = setup();
  const propagator = createSkyWalkingPropagator();
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http');
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/a' } });
  const exit = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.address': 'stock', 'server.port': 80 } }, child(root));
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, exit), headers, defaultTextMapSetter);
  // The address changes after the request went out (a redirect): the reported peer must not.
  exit.setAttribute('server.address', 'stock-replica');
  exit.end();
  root.end();
  const sw8 = decodeSw8(headers.sw8);
  assert.ok(sw8 !== undefined);
  const [segment] = serialize(memory.getFinishedSpans());
  assert.equal(segment.spans[1].peer, sw8.targetAddress);
  assert.equal(segment.spans[1].peer, 'stock:80');
  assert.equal(sw8.parentSpanId, 1);
  assert.equal(sw8.parentSegmentId, segment.traceSegmentId);
  assert.equal(swSpanOf(exit)?.peer, 'stock:80');
});

test('without a tracker, spans are grouped per batch by their local root with ids in start order', () => {
  const { provider, memory } = setup(false);
  const tracer = provider.getTracer('t');
  const spans: Span[] = [];
  const root = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET' } });
  const a = tracer.startSpan('a', {}, child(root));
  const a1 = tracer.startSpan('a1', {}, child(a));
  const b = tracer.startSpan('b', {}, child(root));
  const orphan = tracer.startSpan('orphan', {}, child(b));
  spans.push(a1, a, orphan, b, root);
  for (const s of spans) s.end();
  const all = memory.getFinishedSpans();
  // The batch holds everything but b: the orphan's parent is elsewhere, so it starts its own segment.
  const batch = all.filter((s) => s.name !== 'b');
  const segments = serialize(batch);
  assert.equal(segments.length, 2);
  const main = segments.find((s) => s.spans.length === 3)!;
  assert.deepEqual(main.spans.map((s) => [s.operationName, s.spanId, s.parentSpanId]), [
    ['root', 0, -1],
    ['a', 1, 0],
    ['a1', 2, 1],
  ]);
  const rootContext = all.find((s) => s.name === 'root')!.spanContext();
  assert.equal(main.traceSegmentId, segmentIdFor(rootContext.traceId, rootContext.spanId));
  const alone = segments.find((s) => s !== main)!;
  assert.deepEqual(alone.spans.map((s) => [s.operationName, s.spanId, s.parentSpanId]), [['orphan', 0, -1]]);
  assert.equal(alone.traceId, main.traceId);
});

test('a segment with missing spans is sent valid: placeholders keep ids dense and it is marked isSizeLimited', () => {
  const { provider, memory } = setup();
  const tracer = provider.getTracer('t');
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/p' } });
  const middle = tracer.startSpan('middle', {}, child(root));
  tracer.startSpan('leaf', {}, child(middle)).end();
  tracer.startSpan('sibling', {}, child(root)).end();
  middle.end();
  root.end();
  const withoutRootAndMiddle = memory.getFinishedSpans().filter((s) => s.name === 'leaf' || s.name === 'sibling');
  const [segment] = serialize(withoutRootAndMiddle);
  assert.equal(segment.isSizeLimited, true);
  assert.deepEqual(segment.spans.map((s) => [s.spanId, s.parentSpanId, s.operationName]), [
    [0, -1, PLACEHOLDER_OPERATION_NAME],
    [1, 0, PLACEHOLDER_OPERATION_NAME],
    [2, 1, 'leaf'],
    [3, 0, 'sibling'],
  ]);
  assert.ok(segment.spans[0].skipAnalysis && segment.spans[1].skipAnalysis, 'placeholders stay out of the metrics');
  assert.ok(!segment.spans[2].skipAnalysis);
});

test('agent conventions: HTTP entries ≥ 400 are errors (threshold configurable), current rpc keys, connection and peerless spans are Local', () => {
  const { provider, memory } = setup();
  const server = (status: number) => {
    provider
      .getTracer('@opentelemetry/instrumentation-http')
      .startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/x', 'http.response.status_code': status } })
      .end();
  };
  server(404);
  server(200);
  const statuses = (spans: ReadableSpan[], threshold?: number) =>
    serialize(spans, new SegmentSerializer({ httpErrorStatusThreshold: threshold })).map((s) => [tagsOf(s.spans[0])['http.status_code'], s.spans[0].isError]);
  assert.deepEqual(statuses(memory.getFinishedSpans()), [['404', true], ['200', false]]);
  assert.deepEqual(statuses(memory.getFinishedSpans(), 0), [['404', false], ['200', false]]);
  assert.deepEqual(statuses(memory.getFinishedSpans(), 500), [['404', false], ['200', false]]);
  memory.reset();

  const rpc = provider.getTracer('some-rpc-library').startSpan('Greeter/Greet', {
    kind: SpanKind.CLIENT,
    attributes: { 'rpc.system.name': 'grpc', 'rpc.response.status_code': 'NOT_FOUND', 'server.address': 'greeter.local', 'server.port': 50051 },
  });
  rpc.end();
  const rpcSpan = onlySpan(memory.getFinishedSpans());
  assert.deepEqual([rpcSpan.spanLayer, rpcSpan.componentId, tagsOf(rpcSpan)['rpc.status_code']], [SpanLayer.RPCFramework, 23, 'NOT_FOUND']);
  memory.reset();

  const root = provider.getTracer('@opentelemetry/instrumentation-http').startSpan('GET', { kind: SpanKind.SERVER });
  const inside = trace.setSpan(ROOT_CONTEXT, root);
  provider.getTracer('@opentelemetry/instrumentation-pg').startSpan('pg-pool.connect', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'server.address': 'pg', 'server.port': 5432 } }, inside).end();
  provider.getTracer('@opentelemetry/instrumentation-dns').startSpan('dns.lookup', { kind: SpanKind.CLIENT }, inside).end();
  provider.getTracer('app').startSpan('peerless', { kind: SpanKind.CLIENT }, inside).end();
  provider.getTracer('@opentelemetry/instrumentation-pg').startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'server.address': 'pg', 'server.port': 5432 } }, inside).end();
  root.end();
  const [segment] = serialize(memory.getFinishedSpans());
  assert.deepEqual(
    segment.spans.map((s) => [s.operationName, s.spanType, s.peer]),
    [
      ['GET', SpanType.Entry, ''],
      ['pg-pool.connect', SpanType.Local, ''],
      ['dns.lookup', SpanType.Local, ''],
      ['peerless', SpanType.Local, ''],
      ['pg.query:SELECT', SpanType.Exit, 'pg:5432'],
    ],
  );
  assert.equal(tagsOf(segment.spans[4])['db.type'], 'PostgreSQL');
});

test('a connection span outside any segment is left out (the tracker counts it); without a tracker it is a Local span', () => {
  for (const tracked of [true, false]) {
    const { provider, memory } = setup(tracked);
    provider.getTracer('@opentelemetry/instrumentation-dns').startSpan('dns.lookup', { kind: SpanKind.CLIENT }).end();
    const segments = serialize(memory.getFinishedSpans());
    if (tracked) assert.deepEqual(segments, []);
    else assert.deepEqual(segments.map((s) => s.spans.map((sp) => [sp.operationName, sp.spanType, sp.peer])), [[['dns.lookup', SpanType.Local, '']]]);
  }
});
