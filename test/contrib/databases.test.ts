// Database and cache clients through OpenTelemetry's contrib instrumentations (pg, mysql2, ioredis,
// node-redis 4 and 5) against the real servers, into our processor and collector.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { ComponentId } from '@otel-skywalking/core';
import { SpanLayer } from '@otel-skywalking/core/protocol';
import { entries, exits, locals, runWorkload, segmentsOf, serviceName, spansOf, tagOf, violationsOf } from './workloads';

const WORKLOADS = ['pg', 'mysql2', 'ioredis', 'redis4', 'redis5'] as const;

describe('database and cache clients map as SkyWalking agents report them', () => {
  const collector = new SkyWalkingCollector();

  before(async () => {
    const { grpc } = await collector.start();
    await Promise.all(WORKLOADS.map((w) => runWorkload(collector, grpc, w, serviceName(w))));
  });

  after(() => collector.close());

  it('pg: queries are PostgreSQL exits; pool checkouts, connects, dns and tcp are Local spans; a lookup outside requests makes no segment', () => {
    const service = serviceName('pg');
    const spans = spansOf(collector, service);
    const queries = exits(spans);
    assert.ok(queries.length >= 6);
    for (const query of queries) {
      assert.equal(query.componentId, ComponentId.POSTGRESQL);
      assert.equal(query.spanLayer, SpanLayer.Database);
      assert.equal(query.peer, 'localhost:5432');
      assert.equal(tagOf(query, 'db.type'), 'PostgreSQL');
      assert.equal(tagOf(query, 'db.instance'), 'test');
      assert.ok(tagOf(query, 'db.statement'));
    }
    assert.deepEqual(
      queries.filter((q) => q.isError).map((q) => tagOf(q, 'db.statement')),
      ['SELECT * FROM no_such_table_at_all'],
    );
    const connectionNames = new Set(locals(spans).map((s) => s.operationName));
    for (const name of ['pg-pool.connect', 'pg.connect', 'tcp.connect', 'dns.lookup']) assert.ok(connectionNames.has(name), name);
    // no exit hangs under another span than the request's entry: no database call counted twice
    for (const segment of segmentsOf(collector, service)) {
      for (const exit of exits(segment.spans)) assert.ok(exit.parentSpanId === 0 || exit.parentSpanId === -1, `${exit.operationName} under ${exit.parentSpanId}`);
    }
    // four requests and the DROP after them; the dns.lookup after them was left out
    assert.equal(segmentsOf(collector, service).length, 5);
    assert.equal(entries(spans).filter((e) => e.isError).length, 1);
    assert.deepEqual(violationsOf(collector, service), []);
  });

  it('mysql2: Mysql exits (5) with db.type Mysql and the database as db.instance', () => {
    const service = serviceName('mysql2');
    const queries = exits(spansOf(collector, service));
    assert.equal(queries.length, 5);
    for (const query of queries) {
      assert.equal(query.componentId, ComponentId.MYSQL);
      assert.equal(query.spanLayer, SpanLayer.Database);
      assert.equal(query.peer, '127.0.0.1:3306');
      assert.equal(tagOf(query, 'db.type'), 'Mysql');
      assert.equal(tagOf(query, 'db.instance'), 'test');
    }
    assert.deepEqual(violationsOf(collector, service), []);
  });

  for (const workload of ['ioredis', 'redis4', 'redis5'] as const) {
    it(`${workload}: Redis cache exits with db.type Redis, db.instance, cache.key; the connect span is Local`, () => {
      const service = serviceName(workload);
      const spans = spansOf(collector, service);
      const commands = exits(spans);
      for (const command of commands) {
        assert.equal(command.componentId, ComponentId.REDIS);
        assert.equal(command.spanLayer, SpanLayer.Cache);
        assert.equal(command.peer, '127.0.0.1:6379');
        assert.equal(tagOf(command, 'db.type'), 'Redis');
        // the instrumentations record no db index: the agent's fallback, the address
        assert.equal(tagOf(command, 'db.instance'), '127.0.0.1:6379');
        assert.equal(tagOf(command, 'cache.type'), 'redis');
      }
      const byCommand = (cmd: string) => commands.filter((c) => tagOf(c, 'cache.cmd') === cmd);
      for (const [cmd, op] of [['set', 'write'], ['get', 'read'], ['del', 'write']] as const) {
        assert.equal(byCommand(cmd).length, 2, cmd);
        for (const span of byCommand(cmd)) {
          assert.equal(tagOf(span, 'cache.op'), op);
          assert.match(tagOf(span, 'cache.key') ?? '', /:k$/);
        }
      }
      const connects = locals(spans).filter((s) => /connect/.test(s.operationName));
      assert.equal(connects.length, 1, 'one connect, a Local span');
      assert.equal(connects[0].peer, '');
      assert.deepEqual(violationsOf(collector, service), []);
    });
  }
});
