// The same app (Express 4, pg, mysql2, ioredis) under SkyWalking's own Node agent and under the
// contrib instrumentations with our processor: span by span, the same type, layer, component, peer,
// db tags and error flags. Differences by design: our endpoints are routes (`GET:/orders/:id`) where the
// agent names the path; the agent knows ioredis' db index, which OpenTelemetry spans do not carry; the agent
// writes the caller's address as the HTTP entry's peer, which the OAP does not read.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector, type SegmentObject, type SpanObject } from '@otel-skywalking/collector';
import { SpanType } from '@otel-skywalking/core/protocol';
import { startService, type Service } from '../processes';
import { tagOf, violationsOf } from './workloads';

const APP = resolve(__dirname, '../../fixtures/express4/compare-app.cjs');
const AGENT = `parity-agent-${process.pid}`;
const OURS = `parity-otel-${process.pid}`;

/** What both must agree on, per span. */
function shape(span: SpanObject): string {
  const db = tagOf(span, 'db.type');
  const instance = db === 'Redis' ? '' : (tagOf(span, 'db.instance') ?? '');
  // the agent also puts the caller's address on HTTP entry spans; the OAP reads an entry's peer only for MQ
  const peer = span.spanType === SpanType.Entry ? '' : span.peer;
  return [SpanType[span.spanType], span.spanLayer, span.componentId, peer, db ?? '', instance, span.isError, tagOf(span, 'http.status_code') ?? ''].join(' ');
}

function requestSegments(collector: SkyWalkingCollector, service: string): SegmentObject[] {
  return collector.segments().filter((s) => {
    const entry = s.spans.find((sp) => sp.spanType === SpanType.Entry);
    return s.service === service && entry !== undefined && !entry.operationName.includes('/warmup');
  });
}

describe('parity with skywalking-backend-js on the same workload', () => {
  const collector = new SkyWalkingCollector();
  let agent: Service;
  let ours: Service;

  before(async () => {
    const { grpc } = await collector.start();
    const start = (mode: string, name: string) =>
      startService([APP], { MODE: mode, SW_AGENT_NAME: name, SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_LOGGING_LEVEL: 'error' });
    [agent, ours] = await Promise.all([start('agent', AGENT), start('otel', OURS)]);
    // the agent traces once connected to its collector
    await collector.waitFor(async (c) => {
      await (await fetch(`${agent.url}/warmup`)).text();
      return c.segments().some((s) => s.service === AGENT && s.spans.some((sp) => sp.spanType === SpanType.Entry));
    }, 20_000);
    collector.clear();
    for (const service of [agent, ours]) {
      for (const path of ['/orders/1', '/missing/2']) await (await fetch(service.url + path)).text();
    }
    await collector.waitFor((c) => requestSegments(c, AGENT).length >= 2 && requestSegments(c, OURS).length >= 2, 15_000);
    await Promise.all([agent.stop(), ours.stop()]);
  });

  after(() => collector.close());

  /** The request segments of a service (warm-up calls aside): their entry and exits, in a stable order. */
  function requests(service: string): string[] {
    return requestSegments(collector, service)
      .map((s) => {
        const entry = s.spans.find((sp) => sp.spanType === SpanType.Entry)!;
        const exits = s.spans.filter((sp) => sp.spanType === SpanType.Exit).map(shape).sort();
        return [shape(entry), ...exits].join('\n');
      })
      .sort();
  }

  it('gives the same entries and exits: type, layer, component, peer, db.type, db.instance, errors', () => {
    const theirs = requests(AGENT);
    assert.equal(theirs.length, 2, 'the agent reported both requests');
    assert.deepEqual(requests(OURS), theirs);
  });

  it('our segments are clean; endpoints are routes where the agent names paths', () => {
    assert.deepEqual(violationsOf(collector, OURS), []);
    const endpoints = (service: string) =>
      requestSegments(collector, service).map((s) => s.spans.find((sp) => sp.spanType === SpanType.Entry)!.operationName).sort();
    assert.deepEqual(endpoints(OURS), ['GET:/missing/:id', 'GET:/orders/:id']);
    assert.deepEqual(endpoints(AGENT), ['GET:/missing/2', 'GET:/orders/1']);
  });
});
