/**
 * The real SkyWalking Node.js agent (skywalking-backend-js 0.9.0) reports to the collector from two
 * child processes: `front` serves /front and calls `back` over HTTP. Its segments must arrive, link
 * into one tree, print, and pass validation apart from the agent's known, documented quirks.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { SpanLayer, SpanType } from '@otel-skywalking/core/protocol';
import { formatTrace, SkyWalkingCollector, type Trace } from '../src';

const TOKEN = 'agent-secret';

/** A service instrumented by the agent; `http` is required after start() so the agent can patch it. */
const SERVICE_SCRIPT = `
const agent = require('skywalking-backend-js').default;
agent.start({
  serviceName: process.env.NAME,
  serviceInstance: process.env.NAME + '-1',
  collectorAddress: process.env.COLLECTOR,
  authorization: process.env.TOKEN,
});
const http = require('http');
const downstream = process.env.DOWNSTREAM;
const server = http.createServer((req, res) => {
  if (downstream !== '' && req.url.startsWith('/front')) {
    // http.request, not http.get: the agent patches the module's request export only.
    http.request(downstream + '/back?q=1', (r) => {
      r.resume();
      r.on('end', () => res.end('front ' + r.statusCode));
    }).on('error', (err) => { res.statusCode = 502; res.end(String(err)); }).end();
  } else if (req.url.startsWith('/fail')) {
    res.statusCode = 500;
    res.end('failed');
  } else {
    res.end('back');
  }
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

interface AgentService {
  child: ChildProcess;
  port: number;
}

function startService(name: string, collector: string, downstream: string): Promise<AgentService> {
  const child = spawn(process.execPath, ['-e', SERVICE_SCRIPT], {
    cwd: __dirname,
    env: { ...process.env, NAME: name, COLLECTOR: collector, TOKEN, DOWNSTREAM: downstream, SW_AGENT_LOGGING_LEVEL: 'error' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"port":')) return;
      resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

function stop(service: AgentService | undefined): Promise<void> {
  if (service === undefined || service.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    service.child.once('exit', () => resolve());
    service.child.stdin!.end();
  });
}

describe('the real skywalking-backend-js agent reporting to the collector', () => {
  let collector: SkyWalkingCollector;
  let front: AgentService | undefined;
  let back: AgentService | undefined;
  let trace: Trace;
  let failed: Trace;

  before(async () => {
    collector = new SkyWalkingCollector({ token: TOKEN });
    const { grpc } = await collector.start();
    back = await startService('sw-back', grpc, '');
    front = await startService('sw-front', grpc, `http://127.0.0.1:${back.port}`);
    assert.equal(await httpGet(`http://127.0.0.1:${front.port}/front`), 200);
    assert.equal(await httpGet(`http://127.0.0.1:${back.port}/fail`), 500);
    // The agent reports once per second once its channel is ready.
    trace = await collector.waitFor(
      (c) => c.traces().find((t) => t.services.includes('sw-front') && t.services.includes('sw-back') && t.spanCount >= 3),
      20_000,
    );
    failed = await collector.waitFor((c) => c.traces().find((t) => t.endpoint === 'GET:/fail'), 20_000);
  });

  after(async () => {
    await Promise.all([stop(front), stop(back)]);
    await collector.close();
  });

  it('receives its segments through the authenticated collect stream', () => {
    const stats = collector.getStats();
    assert.ok(stats.segmentsReceived >= 3, `segments received: ${stats.segmentsReceived}`);
    assert.equal(stats.callsUnauthenticated, 0);
    assert.equal(stats.messagesMalformed, 0);
    const services = new Set(collector.segments().map((s) => s.service));
    assert.deepEqual([...services].sort(), ['sw-back', 'sw-front']);
    assert.deepEqual(new Set(collector.segments().map((s) => s.serviceInstance)), new Set(['sw-front-1', 'sw-back-1']));
  });

  it('links front entry → front exit → back entry into one tree through the CrossProcess ref', () => {
    assert.equal(trace.roots.length, 1, formatTrace(trace));
    assert.deepEqual(trace.missingParents, []);
    const entry = trace.roots[0];
    assert.equal(entry.service, 'sw-front');
    assert.equal(entry.span.spanType, SpanType.Entry);
    assert.equal(entry.span.operationName, 'GET:/front');
    assert.equal(entry.span.componentId, 49);
    const exit = entry.children[0];
    assert.equal(exit.span.spanType, SpanType.Exit);
    assert.equal(exit.span.spanLayer, SpanLayer.Http);
    assert.equal(exit.span.peer, `127.0.0.1:${back!.port}`);
    const server = exit.children[0];
    assert.equal(server.service, 'sw-back');
    assert.equal(server.span.spanType, SpanType.Entry);
    assert.equal(server.span.operationName, 'GET:/back');
    assert.equal(server.span.refs[0].networkAddressUsedAtPeer, exit.span.peer);
    assert.equal(server.span.refs[0].parentTraceSegmentId, exit.segmentId);
  });

  it('prints the trace as a tree', () => {
    const text = formatTrace(trace, { tags: true });
    const lines = text.split('\n');
    assert.match(lines[0], new RegExp(`^trace ${trace.traceId}  2 segments, 3 spans`));
    assert.match(lines[1], /^└─ sw-front {2}Entry {2}GET:\/front {2}← 127\.0\.0\.1:\d+ {2}\[Http\/http\] {2}\d+ ms$/);
    assert.ok(lines.some((l) => /^ {3}└─ sw-front {2}Exit {2}\/back {2}→ 127\.0\.0\.1:\d+ {2}\[Http\/HttpClient\]/.test(l)), text);
    assert.ok(lines.some((l) => /^ {6}└─ sw-back {2}Entry {2}GET:\/back/.test(l)), text);
    assert.ok(lines.some((l) => /http\.method = GET/.test(l)), text);
    const failedText = formatTrace(failed);
    assert.match(failedText, /sw-back {2}Entry {2}GET:\/fail .*✗ ERROR/);
  });

  it('passes validation except the documented quirk: the agent never sets parentEndpoint', () => {
    const violations = collector.violations();
    const unexpected = violations.filter((v) => v.rule !== 'ref.parent-endpoint');
    assert.deepEqual(unexpected, []);
    const quirk = violations.filter((v) => v.rule === 'ref.parent-endpoint');
    assert.equal(quirk.length, 1);
    assert.equal(quirk[0].severity, 'warning');
    assert.equal(quirk[0].service, 'sw-back');
  });

  it('draws the edges the OAP would: User → sw-front → sw-back, joined from both sides', () => {
    const edges = collector.topology();
    const userToFront = edges.find((e) => e.source === 'User' && e.target === 'sw-front');
    assert.ok(userToFront);
    const frontToBack = edges.find((e) => e.source === 'sw-front' && e.target === 'sw-back');
    assert.ok(frontToBack, JSON.stringify(edges));
    assert.deepEqual(frontToBack.detectPoints.sort(), ['client', 'server']);
    assert.deepEqual(frontToBack.sourceComponents, ['HttpClient']);
    assert.deepEqual(frontToBack.targetComponents, ['http']);
    assert.ok(!edges.some((e) => e.target.startsWith('127.0.0.1:')), 'no virtual node for an instrumented peer');
  });
});
