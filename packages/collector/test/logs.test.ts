// LogReportService: logs are received, stored (bounded), checked against the segments held (also
// when the log arrives first), and served by GET /logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { LogData } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector, type StoredLog } from '../src';
import { collect, logClient, segment, sendLogs, span, statusOf, T0, traceClient } from './helpers';


function log(body: string, fields: Partial<LogData> = {}): LogData {
  return {
    timestamp: T0,
    service: 'svc',
    serviceInstance: 'svc-1',
    endpoint: 'GET:/a',
    body: { text: { text: body } },
    tags: { data: [{ key: 'level', value: 'INFO' }, { key: 'user', value: 'ann' }] },
    layer: 'GENERAL',
    ...fields,
  };
}

describe('LogReportService', () => {
  const collector = new SkyWalkingCollector({ httpPort: 0, maxLogs: 5, token: 'secret' });
  let grpcAddress: string;
  let http = '';
  before(async () => {
    const addresses = await collector.start();
    grpcAddress = addresses.grpc;
    http = addresses.http!;
  });
  after(() => collector.close());

  it('stores logs in the API shape and checks their trace context once the segment is held', async () => {
    const client = logClient(grpcAddress);
    const traces = traceClient(grpcAddress);
    try {
      const context = (spanId: number, traceId = 'trace-l') => ({ traceId, traceSegmentId: 'seg-l', spanId });
      await sendLogs(
        client,
        [
          log('in span 1', { traceContext: context(1) }),
          log('no such span', { traceContext: context(7) }),
          log('other trace', { traceContext: context(0, 'trace-x') }),
          log('{"k":1}', { body: { json: { json: '{"k":1}' } }, traceContext: { traceId: 'trace-l', traceSegmentId: '', spanId: 0 } }),
        ],
        'secret',
      );
      assert.deepEqual(collector.violations({ traceId: 'trace-l' }), [], 'the segment is not held yet: nothing to check against');

      await collect(traces, [segment({ traceId: 'trace-l', traceSegmentId: 'seg-l', service: 'svc', spans: [span({ spanId: 0 }), span({ spanId: 1, parentSpanId: 0 })] })], 'secret');
      const rules = (traceId: string) => collector.violations({ traceId }).filter((v) => v.rule.startsWith('log.')).map((v) => `${v.rule} ${v.spanId}`);
      assert.deepEqual(rules('trace-l'), ['log.span 7']);
      assert.deepEqual(rules('trace-x'), ['log.trace-context 0']);

      const response = await fetch(`${http}/logs?traceId=trace-l`);
      const body = (await response.json()) as { logs: StoredLog[] };
      assert.deepEqual(body.logs[0], {
        service: 'svc',
        instance: 'svc-1',
        endpoint: 'GET:/a',
        timestamp: T0,
        level: 'INFO',
        body: 'in span 1',
        tags: { level: 'INFO', user: 'ann' },
        traceContext: { traceId: 'trace-l', traceSegmentId: 'seg-l', spanId: 1 },
      });
      assert.deepEqual(body.logs.map((l) => l.body), ['in span 1', 'no such span', '{"k":1}']);
      const bySegment = (await (await fetch(`${http}/logs?segmentId=seg-l&limit=1`)).json()) as { logs: StoredLog[] };
      assert.deepEqual(bySegment.logs.map((l) => l.body), ['other trace'], 'the newest log naming the segment');
      const index = (await (await fetch(`${http}/`)).json()) as { endpoints: string[] };
      assert.ok(index.endpoints.includes('GET /logs?traceId=&segmentId=&service=&limit='));
    } finally {
      client.close();
      traces.close();
    }
  });

  it('keeps at most maxLogs, counts what it lets go, and asks for the token', async () => {
    const client = logClient(grpcAddress);
    try {
      collector.clear();
      const before = collector.getStats();
      await sendLogs(client, Array.from({ length: 8 }, (_, i) => log(`n${i}`, { service: i === 7 ? '' : 'svc' })), 'secret');
      const stats = collector.getStats();
      assert.equal(stats.logsReceived - before.logsReceived, 8);
      assert.equal(stats.logsStored, 5);
      assert.equal(stats.logsEvicted - before.logsEvicted, 3);
      assert.deepEqual(collector.logs().map((l) => l.body), ['n3', 'n4', 'n5', 'n6', 'n7']);
      assert.equal(stats.violationsByRule['log.fields'], 1, 'a log without a service');
      assert.equal(await statusOf(sendLogs(client, [log('no token')])), grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });
});
