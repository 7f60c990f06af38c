import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefType, SpanLayer, SpanType } from '@otel-skywalking/core/protocol';
import { buildTopology, type TopologyEdge } from '../src';
import { ref, segment, span, T0, twoServiceTrace } from './helpers';

function edge(edges: TopologyEdge[], source: string, target: string): TopologyEdge {
  const found = edges.find((e) => e.source === source && e.target === target);
  assert.ok(found, `no edge ${source} → ${target} in ${JSON.stringify(edges.map((e) => `${e.source}→${e.target}`))}`);
  return found;
}

describe('buildTopology (the edges the OAP would draw)', () => {
  it('User → a (entry without refs), a → b joined from both sides through the alias, b → db as a virtual database', () => {
    const edges = buildTopology(twoServiceTrace());
    assert.equal(edges.length, 3);
    const user = edge(edges, 'User', 'a');
    assert.equal(user.sourceLayer, 'UNDEFINED');
    assert.deepEqual(user.detectPoints, ['server']);
    assert.deepEqual(user.targetComponents, ['http']);
    const ab = edge(edges, 'a', 'b');
    assert.deepEqual(ab.detectPoints.sort(), ['client', 'server']);
    assert.deepEqual(ab.sourceComponents, ['HttpClient']);
    assert.deepEqual(ab.targetComponents, ['http']);
    assert.deepEqual(ab.spanLayers, ['Http']);
    assert.equal(ab.calls, 2);
    const db = edge(edges, 'b', 'db:5432');
    assert.equal(db.targetLayer, 'VIRTUAL_DATABASE');
    assert.deepEqual(db.sourceComponents, ['PostgreSQL']);
    assert.deepEqual(db.detectPoints, ['client']);
  });

  it('a client peer that no server recorded becomes a virtual service named by the peer (two nodes, not one edge)', () => {
    const [a, b] = twoServiceTrace();
    b.spans[0].refs[0].networkAddressUsedAtPeer = 'b.internal:8080';
    const edges = buildTopology([a, b]);
    assert.equal(edge(edges, 'a', 'b:8080').targetLayer, 'GENERAL');
    assert.deepEqual(edge(edges, 'a', 'b').detectPoints, ['server']);
  });

  it('exit spans without a peer and skipAnalysis spans draw nothing', () => {
    const s = segment({
      spans: [
        span({ spanId: 0, spanType: SpanType.Entry, skipAnalysis: true }),
        span({ spanId: 1, spanType: SpanType.Exit, peer: '' }),
        span({ spanId: 2, spanType: SpanType.Exit, peer: 'cache:6379', skipAnalysis: true }),
      ],
    });
    assert.deepEqual(buildTopology([s]), []);
  });

  it('MQ: producer → virtual MQ (peer), virtual MQ (networkAddressUsedAtPeer) → consumer; no alias through MQ', () => {
    const producer = segment({
      traceSegmentId: 'p',
      service: 'producer',
      spans: [
        span({ spanId: 0, spanType: SpanType.Local, operationName: 'job' }),
        span({ spanId: 1, spanType: SpanType.Exit, spanLayer: SpanLayer.MQ, componentId: 52, peer: 'rabbit:5672', operationName: 'RabbitMQ/ex/rk/Producer' }),
      ],
    });
    const consumer = segment({
      traceSegmentId: 'c',
      service: 'consumer',
      spans: [
        span({
          spanId: 0,
          spanType: SpanType.Entry,
          spanLayer: SpanLayer.MQ,
          componentId: 53,
          peer: 'rabbit:5672',
          refs: [ref({ parentTraceSegmentId: 'p', parentService: 'producer', networkAddressUsedAtPeer: 'rabbit:5672' })],
        }),
      ],
    });
    const edges = buildTopology([producer, consumer]);
    assert.equal(edges.length, 2);
    const produce = edge(edges, 'producer', 'rabbit:5672');
    assert.equal(produce.targetLayer, 'VIRTUAL_MQ');
    assert.deepEqual(produce.sourceComponents, ['rabbitmq-producer']);
    const consume = edge(edges, 'rabbit:5672', 'consumer');
    assert.equal(consume.sourceLayer, 'VIRTUAL_MQ');
    assert.deepEqual(consume.targetComponents, ['rabbitmq-consumer']);
  });

  it('MQ entry without refs (uninstrumented producer) is drawn from its peer', () => {
    const s = segment({ spans: [span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.MQ, peer: 'kafka:9092', componentId: 41 })] });
    const e = edge(buildTopology([s]), 'kafka:9092', 'svc');
    assert.equal(e.sourceLayer, 'VIRTUAL_MQ');
  });

  it('cache and unknown layers map to VIRTUAL_CACHE and UNDEFINED; unknown components show their id', () => {
    const s = segment({
      spans: [
        span({ spanId: 0 }),
        span({ spanId: 1, spanType: SpanType.Exit, spanLayer: SpanLayer.Cache, componentId: 7, peer: 'redis:6379' }),
        span({ spanId: 2, spanType: SpanType.Exit, spanLayer: SpanLayer.Unknown, componentId: 9999, peer: 'thing:1' }),
      ],
    });
    const edges = buildTopology([s]);
    assert.equal(edge(edges, 'svc', 'redis:6379').targetLayer, 'VIRTUAL_CACHE');
    const unknown = edge(edges, 'svc', 'thing:1');
    assert.equal(unknown.targetLayer, 'UNDEFINED');
    assert.deepEqual(unknown.sourceComponents, ['#9999']);
  });

  it('CrossThread refs make no alias and entry refs draw from parentService', () => {
    const s = segment({
      service: 'worker',
      spans: [span({ spanId: 0, spanType: SpanType.Entry, startTime: T0, refs: [ref({ refType: RefType.CrossThread, parentService: 'worker', networkAddressUsedAtPeer: 'x:1' })] })],
    });
    const caller = segment({ traceSegmentId: 'c2', service: 'caller', spans: [span({ spanId: 0, spanType: SpanType.Exit, peer: 'x:1' })] });
    const edges = buildTopology([s, caller]);
    assert.ok(edges.some((e) => e.source === 'caller' && e.target === 'x:1'), 'no alias from a CrossThread ref');
    assert.ok(edges.some((e) => e.source === 'worker' && e.target === 'worker'));
  });
});
