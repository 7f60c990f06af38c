// The most common setup: NodeSDK with getNodeAutoInstrumentations() defaults (dns, net, http,
// undici, express, pg, ioredis... all on), SkyWalkingSpanProcessor added: zero collector violations,
// no peerless or nested database exits, connection work outside requests makes no segment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { ComponentId } from '@otel-skywalking/core';
import { SpanType } from '@otel-skywalking/core/protocol';
import { distinct, entries, exits, locals, runWorkload, segmentsOf, serviceName, spansOf, tagOf, violationsOf } from './workloads';

describe('getNodeAutoInstrumentations() defaults through the processor', () => {
  const collector = new SkyWalkingCollector();
  const service = serviceName('auto');

  before(async () => {
    const { grpc } = await collector.start();
    await runWorkload(collector, grpc, 'auto', service);
  });

  after(() => collector.close());

  it('gives zero collector violations', () => {
    assert.ok(spansOf(collector, service).length > 20);
    assert.deepEqual(violationsOf(collector, service), []);
  });

  it('reports exits only for calls to a peer: dns, tcp and pool spans are Local, never an exit under an exit', () => {
    const spans = spansOf(collector, service);
    for (const exit of exits(spans)) assert.notEqual(exit.peer, '', exit.operationName);
    const localNames = new Set(locals(spans).map((s) => s.operationName));
    for (const name of ['dns.lookup', 'tcp.connect', 'pg-pool.connect']) assert.ok(localNames.has(name), name);
    for (const segment of segmentsOf(collector, service)) {
      const byId = new Map(segment.spans.map((s) => [s.spanId, s]));
      for (const exit of exits(segment.spans)) {
        assert.notEqual(byId.get(exit.parentSpanId)?.spanType, SpanType.Exit, `${exit.operationName} nested under an exit`);
      }
    }
    // three requests to the app, two to /health from it, three client segments of the test's fetch calls; the
    // dns.lookup after them is left out
    assert.equal(segmentsOf(collector, service).length, 8);
  });

  it('names endpoints by route, with the agents’ components, tags and error rule', () => {
    const spans = spansOf(collector, service);
    assert.deepEqual(distinct(entries(spans).map((s) => s.operationName)), ['GET:/health', 'GET:/missing/:id', 'GET:/orders/:id']);
    assert.ok(entries(spans).every((s) => s.componentId === ComponentId.EXPRESS));
    assert.deepEqual(entries(spans).filter((s) => s.isError).map((s) => s.operationName), ['GET:/missing/:id']);
    const db = exits(spans).filter((s) => tagOf(s, 'db.type') !== undefined);
    assert.deepEqual(distinct(db.map((s) => `${tagOf(s, 'db.type')} ${s.componentId} ${s.peer}`)), ['PostgreSQL 22 localhost:5432', 'Redis 7 localhost:6379']);
  });
});
