import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  ComponentId,
  SEMCONV_KEYS,
  SegmentTracker,
  agentDbType,
  isConnectionSpan,
  isHttpErrorStatus,
  isLeftOut,
  operationName,
  peerAddress,
  readFact,
  redisDbIndexOf,
  redisKeyOf,
  swSpanOf,
  type Segment,
} from '../src';
import { messagingConsumerName } from '../src/span-mapping';

const span = (scope: string, name: string, kind = SpanKind.CLIENT, attributes: Attributes = {}) => ({
  name,
  kind,
  attributes,
  instrumentationScope: { name: scope },
});

describe('span mapping', () => {
  it('reads the current key before the deprecated one, from one table', () => {
    assert.equal(readFact({ 'rpc.system.name': 'grpc', 'rpc.system': 'old' }, 'rpcSystem'), 'grpc');
    assert.equal(readFact({ 'rpc.system': 'grpc' }, 'rpcSystem'), 'grpc');
    assert.equal(readFact({ 'http.status_code': 404 }, 'httpStatus'), '404');
    assert.equal(readFact({ 'http.route': '' }, 'httpRoute'), undefined);
    for (const keys of Object.values(SEMCONV_KEYS)) assert.ok(keys.length >= 1 && keys.every((k) => k.length > 0));
  });

  it('tells connection spans from calls to a peer', () => {
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-dns', 'dns.lookup')));
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-net', 'tcp.connect', SpanKind.INTERNAL)));
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-pg', 'pg-pool.connect')));
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-pg', 'pg.connect')));
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-redis', 'redis-connect')));
    assert.ok(isConnectionSpan(span('@opentelemetry/instrumentation-ioredis', 'connect')));
    assert.ok(!isConnectionSpan(span('@opentelemetry/instrumentation-pg', 'pg.query:SELECT test')));
    assert.ok(!isConnectionSpan(span('@opentelemetry/instrumentation-ioredis', 'get')));
    assert.ok(!isConnectionSpan(span('app', 'connect')));
    // SDK 1.x spans name their scope instrumentationLibrary
    assert.ok(isConnectionSpan({ name: 'dns.lookup', kind: SpanKind.CLIENT, attributes: {}, instrumentationLibrary: { name: '@opentelemetry/instrumentation-dns' } }));
  });

  it('writes db.type, the Redis index and key as the agents do', () => {
    assert.deepEqual(['postgresql', 'mysql', 'mariadb', 'redis', 'mongodb', 'oracle'].map(agentDbType), ['PostgreSQL', 'Mysql', 'Mysql', 'Redis', 'MongoDB', 'oracle']);
    assert.equal(redisDbIndexOf({ 'db.redis.database_index': 3 }), '3');
    assert.equal(redisDbIndexOf({ 'db.namespace': '2' }), '2');
    assert.equal(redisDbIndexOf({ 'db.namespace': 'cache' }), undefined);
    assert.equal(redisKeyOf('set', 'set user:1 [1 other arguments]'), 'user:1');
    assert.equal(redisKeyOf('get', 'GET user:1'), 'user:1');
    assert.equal(redisKeyOf('info', 'info'), undefined);
    assert.equal(redisKeyOf('set', 'set [2 other arguments]'), undefined);
    assert.equal(redisKeyOf('get', undefined), undefined);
  });

  it('marks HTTP statuses from the threshold, 0 turning it off', () => {
    assert.ok(isHttpErrorStatus({ 'http.response.status_code': 404 }, 400));
    assert.ok(isHttpErrorStatus({ 'http.status_code': '500' }, 400));
    assert.ok(!isHttpErrorStatus({ 'http.response.status_code': 399 }, 400));
    assert.ok(!isHttpErrorStatus({ 'http.response.status_code': 404 }, 500));
    assert.ok(!isHttpErrorStatus({ 'http.response.status_code': 503 }, 0));
    assert.ok(!isHttpErrorStatus({}, 400));
  });

  it('names consumer endpoints from exchange/topic and routing key, never the queue', () => {
    const old = { 'messaging.system': 'rabbitmq', 'messaging.destination': 'events', 'messaging.rabbitmq.routing_key': 'orders.created' };
    assert.equal(messagingConsumerName(old), 'RabbitMQ/events/orders.created/Consumer');
    const current = { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'events:orders.created', 'messaging.rabbitmq.destination.routing_key': 'orders.created' };
    assert.equal(messagingConsumerName(current), 'RabbitMQ/events/orders.created/Consumer');
    const ours = { ...current, 'skywalking.mq.topic': '' };
    assert.equal(messagingConsumerName(ours), 'RabbitMQ//orders.created/Consumer');
    assert.equal(messagingConsumerName({ 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'billing' }), 'Kafka/orders/Consumer/billing');
    assert.equal(messagingConsumerName({ 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' }), 'Kafka/orders/Consumer');
    assert.equal(messagingConsumerName({ 'messaging.system': 'aws_sqs' }), undefined);
    const consumer = { name: 'amq.gen-Xyz process', kind: SpanKind.CONSUMER, attributes: old };
    assert.equal(operationName(consumer), 'RabbitMQ/events/orders.created/Consumer');
  });

  it('names HTTP client exits by the path they call, as the agents do, when the span is named by its method', () => {
    const client = (name: string, attributes: Record<string, string>) => operationName({ name, kind: SpanKind.CLIENT, attributes });
    assert.equal(client('GET', { 'http.request.method': 'GET', 'url.full': 'http://orders:8080/orders/7?x=1' }), '/orders/7');
    assert.equal(client('POST', { 'http.method': 'POST', 'http.url': 'https://api.local' }), '/');
    assert.equal(client('GET', { 'url.full': 'http://h/a#frag' }), '/a');
    assert.equal(client('GET', {}), 'GET');
    assert.equal(client('fetch orders', { 'url.full': 'http://h/a' }), 'fetch orders');
  });

  it('takes a port-less peer from the URL', () => {
    assert.equal(peerAddress({ 'net.peer.name': '127.0.0.1', 'http.url': 'http://127.0.0.1:8080/x' }), '127.0.0.1:8080');
    assert.equal(peerAddress({ 'server.address': 'api.local', 'url.full': 'https://api.local/x' }), 'api.local');
    assert.equal(peerAddress({ 'server.address': 'api.local', 'server.port': 9000, 'url.full': 'http://api.local:1/x' }), 'api.local:9000');
    assert.equal(peerAddress({ 'server.address': 'db.local' }), 'db.local');
  });
});

describe('SegmentTracker and connection spans', () => {
  function setup() {
    const ended: Segment[] = [];
    const tracker = new SegmentTracker({ onSegmentEnd: (s) => ended.push(s) });
    const provider = new BasicTracerProvider({ spanProcessors: [tracker] });
    return { tracker, ended, tracer: (scope: string) => provider.getTracer(scope) };
  }

  it('leaves out a connection span that would open a segment, counted, and keeps ids dense inside one', () => {
    const { tracker, ended, tracer } = setup();
    const lookup = tracer('@opentelemetry/instrumentation-dns').startSpan('dns.lookup', { kind: SpanKind.CLIENT });
    assert.ok(isLeftOut(lookup));
    assert.equal(swSpanOf(lookup), undefined);
    lookup.end();
    assert.equal(tracker.getStats().leftOutSpans, 1);
    assert.equal(tracker.getStats().segmentsStarted, 0);

    const root = tracer('@opentelemetry/instrumentation-http').startSpan('GET', { kind: SpanKind.SERVER });
    const inside = trace.setSpan(ROOT_CONTEXT, root);
    const checkout = tracer('@opentelemetry/instrumentation-pg').startSpan('pg-pool.connect', { kind: SpanKind.CLIENT }, inside);
    const query = tracer('@opentelemetry/instrumentation-pg').startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT }, inside);
    assert.deepEqual([checkout, query].map((s) => [swSpanOf(s)?.spanId, isLeftOut(s)]), [[1, false], [2, false]]);
    for (const s of [checkout, query, root]) s.end();
    assert.equal(ended.length, 1);
    assert.equal(tracker.getStats().leftOutSpans, 1);
  });

  it('records the framework that ran under an HTTP entry', () => {
    const { tracer } = setup();
    const root = tracer('@opentelemetry/instrumentation-http').startSpan('GET', { kind: SpanKind.SERVER });
    const inside = trace.setSpan(ROOT_CONTEXT, root);
    tracer('@opentelemetry/instrumentation-express').startSpan('middleware - query', {}, inside).end();
    assert.equal(swSpanOf(root)!.segment.entryComponent, ComponentId.EXPRESS);
    const job = tracer('app').startSpan('job', { kind: SpanKind.INTERNAL });
    tracer('@opentelemetry/instrumentation-express').startSpan('middleware', {}, trace.setSpan(ROOT_CONTEXT, job)).end();
    assert.equal(swSpanOf(job)!.segment.entryComponent, undefined, 'only under a server span');
  });
});
