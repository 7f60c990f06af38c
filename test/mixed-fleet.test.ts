// One trace across a mixed fleet: SkyWalking's own Node.js agent → OpenTelemetry service A (ours) →
// OpenTelemetry service B (ours) → SkyWalking's agent again, all reporting to one collector.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SpanType } from '@otel-skywalking/core/protocol';
import { startService, type Service } from './processes';

const fixture = (name: string) => resolve(__dirname, '../fixtures', name);

describe('a mixed fleet forms one trace', () => {
  const collector = new SkyWalkingCollector();
  const services: Service[] = [];
  let edge: Service;
  let a: Service;
  let b: Service;
  let tail: Service;

  before(async () => {
    const { grpc } = await collector.start();
    const sw = (name: string) => startService([fixture('sw-agent-service.cjs')], { SW_AGENT_NAME: name, SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
    const otel = (name: string) =>
      startService(['--require', '@otel-skywalking/node/register', fixture('otel-service.cjs')], {
        SW_AGENT_NAME: name,
        SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        SW_AGENT_LOGGING_LEVEL: 'error',
      });
    [edge, a, b, tail] = await Promise.all([sw('sw-edge'), otel('otel-a'), otel('otel-b'), sw('sw-tail')]);
    services.push(edge, a, b, tail);
    // The agent traces once connected to its collector.
    await fetch(`${edge.url}/`);
    await fetch(`${tail.url}/`);
    await collector.waitFor((c) => ['sw-edge', 'sw-tail'].every((s) => c.segments().some((seg) => seg.service === s)), 15_000);
    collector.clear();
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await collector.close();
  });

  it('joins every hop by references, with the topology edges the OAP would draw', async () => {
    const chain = `${edge.url}/hop?next=${encodeURIComponent(`${a.url}/hop?next=${encodeURIComponent(`${b.url}/hop?next=${encodeURIComponent(`${tail.url}/`)}`)}`)}`;
    assert.equal(await (await fetch(chain)).text(), 'via 200');

    const trace = await collector.waitFor(
      (c) => c.traces().find((t) => ['sw-edge', 'otel-a', 'otel-b', 'sw-tail'].every((s) => t.services.includes(s))),
      20_000,
    );
    assert.equal(trace.segments.length, 4);
    assert.equal(trace.roots.length, 1, 'one tree, no fragments');
    assert.equal(trace.missingParents.length, 0);
    assert.ok(trace.segments.every((s) => s.traceId === trace.traceId), 'one SkyWalking trace id everywhere');
    for (const segment of trace.segments.filter((s) => s.service !== 'sw-edge')) {
      const entry = segment.spans.find((s) => s.spanType === SpanType.Entry)!;
      assert.equal(entry.refs.length, 1, `${segment.service} references its caller`);
    }

    const edges = collector.topology().map((e) => `${e.source}->${e.target}:${[...e.detectPoints].sort().join('+')}`);
    for (const expected of ['sw-edge->otel-a:client+server', 'otel-a->otel-b:client+server', 'otel-b->sw-tail:client+server']) {
      assert.ok(edges.includes(expected), `edge ${expected} in ${edges.join(', ')}`);
    }
    // skywalking-backend-js writes its exit span's own name as the parent endpoint in sw8 and leaves
    // parentEndpoint out of its refs: those findings are the agent's. Everything of ours must be clean.
    const agentSegments = trace.segments.filter((s) => s.service.startsWith('sw-')).map((s) => s.traceSegmentId);
    const ours = collector
      .violations({ traceId: trace.traceId })
      .filter((v) => !v.service.startsWith('sw-'))
      .filter((v) => !(v.rule === 'ref.parent-endpoint' && agentSegments.some((id) => v.message.includes(`ref to ${id}/`))));
    assert.deepEqual(ours, []);
  });
});
