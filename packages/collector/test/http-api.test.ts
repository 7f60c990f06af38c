import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector, type Trace, type TraceSummary, type TopologyEdge, type Violation, type InstanceInfo } from '../src';
import { collect, managementClient, traceClient, twoServiceTrace, unary } from './helpers';

function fetchText(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetchText(url);
  assert.match(res.type, /^application\/json/);
  return { status: res.status, body: JSON.parse(res.body) as T };
}

describe('JSON HTTP API', () => {
  let collector: SkyWalkingCollector;
  let http: string;

  before(async () => {
    collector = new SkyWalkingCollector({ httpPort: 0 });
    const addresses = await collector.start();
    assert.ok(addresses.http);
    http = addresses.http;
    const client = traceClient(addresses.grpc);
    const management = managementClient(addresses.grpc);
    const [a, b] = twoServiceTrace('http-trace');
    b.spans[1].isError = true;
    await collect(client, [a, b, ...twoServiceTrace('other-trace', 'o-')]);
    await unary((r, m, cb) => management.reportInstanceProperties(r, m, cb), { service: 'a', serviceInstance: 'a-1', layer: '', properties: [{ key: 'language', value: 'NodeJS' }] });
    client.close();
    management.close();
  });
  after(() => collector.close());

  it('GET / lists the endpoints', async () => {
    const { status, body } = await getJson<{ endpoints: string[] }>(`${http}/`);
    assert.equal(status, 200);
    assert.ok(body.endpoints.includes('GET /traces/:traceId'));
  });

  it('GET /traces lists summaries, filtered by service, error and limit', async () => {
    const all = await getJson<TraceSummary[]>(`${http}/traces`);
    assert.deepEqual(all.body.map((t) => t.traceId), ['http-trace', 'other-trace']);
    assert.deepEqual(all.body[0], {
      traceId: 'http-trace',
      endpoint: 'GET:/a',
      services: ['a', 'b'],
      segmentCount: 2,
      spanCount: 4,
      startTime: all.body[0].startTime,
      durationMs: 50,
      isError: true,
      fragments: 0,
    });
    assert.deepEqual((await getJson<TraceSummary[]>(`${http}/traces?error=true`)).body.map((t) => t.traceId), ['http-trace']);
    assert.deepEqual((await getJson<TraceSummary[]>(`${http}/traces?limit=1`)).body.map((t) => t.traceId), ['other-trace']);
    assert.equal((await getJson<TraceSummary[]>(`${http}/traces?service=nobody`)).body.length, 0);
  });

  it('GET /traces/:id returns the tree the API returns; /text the printed tree', async () => {
    const { status, body } = await getJson<Trace>(`${http}/traces/http-trace`);
    assert.equal(status, 200);
    assert.deepEqual(body, JSON.parse(JSON.stringify(collector.trace('http-trace'))));
    assert.equal(body.roots[0].children[0].children[0].service, 'b');
    const text = await fetchText(`${http}/traces/http-trace/text?tags=true`);
    assert.match(text.type, /^text\/plain/);
    assert.match(text.body, /^trace http-trace {2}2 segments, 4 spans/);
    assert.equal((await getJson<unknown>(`${http}/traces/missing`)).status, 404);
  });

  it('GET /segments, /instances, /violations, /topology, /stats', async () => {
    assert.equal((await getJson<unknown[]>(`${http}/segments`)).body.length, 4);
    const instances = (await getJson<InstanceInfo[]>(`${http}/instances`)).body;
    assert.equal(instances[0].properties.language, 'NodeJS');
    assert.deepEqual((await getJson<Violation[]>(`${http}/violations`)).body, []);
    const topology = (await getJson<TopologyEdge[]>(`${http}/topology`)).body;
    assert.ok(topology.some((e) => e.source === 'a' && e.target === 'b' && e.detectPoints.length === 2));
    const stats = (await getJson<{ segmentsReceived: number }>(`${http}/stats`)).body;
    assert.equal(stats.segmentsReceived, 4);
  });

  it('answers 404 for unknown paths, 400 for bad escapes, 405 for other methods', async () => {
    assert.equal((await fetchText(`${http}/nothing`)).status, 404);
    assert.equal((await fetchText(`${http}/traces/%E0%A4%A`)).status, 400);
    assert.equal((await fetchText(`${http}/traces`, 'POST')).status, 405);
  });
});
