// The JSON routes the web view reads beyond the basic ones: the map with the traces through each edge,
// the rules with the OAP behaviour behind them, and the trace list's filters. Over real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanLayer, SpanType } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector, VALIDATION_RULES, type TopologyEdge, type TraceSummary } from '../src';
import { collect, segment, span, T0, traceClient, twoServiceTrace } from './helpers';

interface TracedEdge extends TopologyEdge {
  traceIds: string[];
  errorCalls: number;
}

describe('web view routes', () => {
  const collector = new SkyWalkingCollector({ httpPort: 0 });
  let http: string;

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${http}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };

  before(async () => {
    const addresses = await collector.start();
    http = addresses.http!;
    const [a1, b1] = twoServiceTrace('t-1', '1-');
    const [a2, b2] = twoServiceTrace('t-2', '2-');
    a2.spans[0].endTime = T0 + 500;
    b2.spans[1].isError = true;
    const solo = segment({
      traceId: 't-3', traceSegmentId: '3-seg', service: 'a', serviceInstance: 'a-1',
      spans: [span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: 'GET:/other', startTime: T0, endTime: T0 + 5 })],
    });
    const client = traceClient(addresses.grpc);
    await collect(client, [a1, b1, a2, b2, solo]);
    client.close();
  });

  after(() => collector.close());

  it('serves the edges with the traces through them and their failed calls, and /topology unchanged', async () => {
    const edges = await get<TracedEdge[]>('/topology?traces=true');
    const db = edges.find((e) => e.source === 'b' && e.target === 'db:5432');
    assert.deepEqual(db?.traceIds, ['t-1', 't-2']);
    assert.equal(db?.errorCalls, 1);
    const user = edges.find((e) => e.source === 'User' && e.target === 'a');
    assert.deepEqual(user?.traceIds, ['t-1', 't-2', 't-3']);
    assert.equal(user?.errorCalls, 0);
    const plain = await get<TopologyEdge[]>('/topology');
    assert.deepEqual(plain, collector.topology());
    assert.ok(plain.every((e) => !('traceIds' in e)));
  });

  it('serves every rule with its severity, description and OAP behaviour', async () => {
    const rules = await get<{ rule: string; severity: string; oapBehaviour: string }[]>('/rules');
    assert.equal(rules.length, Object.keys(VALIDATION_RULES).length);
    const exitPeer = rules.find((r) => r.rule === 'span.exit-peer');
    assert.deepEqual(exitPeer, { rule: 'span.exit-peer', ...VALIDATION_RULES['span.exit-peer'] });
  });

  it('filters traces by endpoint, minimum duration and the edge they pass through', async () => {
    const ids = async (query: string) => (await get<TraceSummary[]>(`/traces?${query}`)).map((t) => t.traceId);
    assert.deepEqual(await ids('endpoint=GET:/other'), ['t-3']);
    assert.deepEqual(await ids('minDuration=100'), ['t-2']);
    assert.deepEqual(await ids('source=a&target=b'), ['t-1', 't-2']);
    assert.deepEqual(await ids('source=b&target=db:5432&error=true'), ['t-2']);
    assert.deepEqual(await ids('source=nowhere&target=b'), []);
    assert.deepEqual(await ids('service=a&minDuration=0'), ['t-1', 't-2', 't-3']);
  });
});
