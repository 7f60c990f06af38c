// HTTP servers and clients through OpenTelemetry's contrib instrumentations (http, undici, express 4
// and 5, koa, @fastify/otel) into our processor and collector: what SkyWalking shows for each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { ComponentId } from '@otel-skywalking/core';
import { SpanLayer, SpanType } from '@otel-skywalking/core/protocol';
import { distinct, entries, exits, locals, runWorkload, serviceName, spansOf, tagOf, violationsOf } from './workloads';

const WORKLOADS = ['express4', 'express5', 'koa', 'fastify', 'nosw8'] as const;

describe('web frameworks map as SkyWalking agents report them', () => {
  const collector = new SkyWalkingCollector();
  const stderr: Record<string, string> = {};

  before(async () => {
    const { grpc } = await collector.start();
    await Promise.all(WORKLOADS.map(async (w) => (stderr[w] = await runWorkload(collector, grpc, w, serviceName(w)))));
  });

  after(() => collector.close());

  for (const [workload, component] of [['express4', ComponentId.EXPRESS], ['express5', ComponentId.EXPRESS]] as const) {
    it(`${workload}: Express entries (4002), route endpoints, 4xx/5xx errors, fetch exits with host:port peers`, () => {
      const spans = spansOf(collector, serviceName(workload));
      const entrySpans = entries(spans);
      assert.deepEqual(distinct(entrySpans.map((s) => s.operationName)), ['GET:/call', 'GET:/fail', 'GET:/missing/:id', 'GET:/users/:id']);
      for (const entry of entrySpans) {
        assert.equal(entry.componentId, component, `${entry.operationName} component`);
        assert.equal(entry.spanLayer, SpanLayer.Http);
        const status = Number(tagOf(entry, 'http.status_code'));
        assert.equal(entry.isError, status >= 400, `${entry.operationName} ${status}: error as the agents mark it`);
      }
      // the middleware and handler spans are Local spans of the framework
      assert.ok(locals(spans).length > 0 && locals(spans).every((s) => s.componentId === component));
      const fetchExits = exits(spans).filter((s) => s.componentId === ComponentId.HTTP_CLIENT);
      assert.ok(fetchExits.length >= 6, 'every fetch() is an exit (undici)');
      for (const exit of fetchExits) {
        assert.match(exit.peer, /^127\.0\.0\.1:\d+$/);
        assert.equal(exit.spanLayer, SpanLayer.Http);
      }
      assert.deepEqual(violationsOf(collector, serviceName(workload)), []);
    });
  }

  it('koa: entries get Koa (4004), router spans are Local, the route is the endpoint', () => {
    const spans = spansOf(collector, serviceName('koa'));
    assert.deepEqual(distinct(entries(spans).map((s) => s.operationName)), ['GET:/missing/:id', 'GET:/users/:id']);
    assert.ok(entries(spans).every((s) => s.componentId === ComponentId.KOA));
    assert.ok(locals(spans).length === 3 && locals(spans).every((s) => s.componentId === ComponentId.KOA));
    assert.deepEqual(entries(spans).filter((s) => s.isError).map((s) => tagOf(s, 'http.status_code')), ['404']);
    assert.deepEqual(violationsOf(collector, serviceName('koa')), []);
  });

  it('fastify (@fastify/otel): its spans are the http component, the route is the endpoint', () => {
    const spans = spansOf(collector, serviceName('fastify'));
    assert.deepEqual(distinct(entries(spans).map((s) => s.operationName)), ['GET:/missing/:id', 'GET:/users/:id']);
    assert.ok(locals(spans).length >= 3 && locals(spans).every((s) => s.componentId === ComponentId.HTTP_SERVER));
    assert.ok(spans.every((s) => s.componentId !== ComponentId.UNKNOWN));
    assert.deepEqual(entries(spans).filter((s) => s.isError).map((s) => tagOf(s, 'http.status_code')), ['404']);
    assert.deepEqual(violationsOf(collector, serviceName('fastify')), []);
  });

  it('a setup without the sw8 propagator is told so, once, at its first span', () => {
    const warnings = stderr.nosw8.split('\n').filter((l) => l.includes('does not write sw8'));
    assert.equal(warnings.length, 1, stderr.nosw8);
    for (const w of ['express4', 'koa', 'fastify']) assert.ok(!stderr[w].includes('does not write sw8'), w);
    assert.equal(entries(spansOf(collector, serviceName('nosw8'))).length, 1);
    assert.ok(spansOf(collector, serviceName('nosw8')).every((s) => s.spanType !== SpanType.Exit || s.peer !== ''));
  });
});
