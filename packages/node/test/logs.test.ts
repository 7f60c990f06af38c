// Logs from pino, winston and bunyan, reported by the one-line setup and linked to the spans that wrote them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector, type StoredLog } from '@otel-skywalking/collector';
import { readConfig } from '../src';
import { get, runApp } from './helpers';

describe('log reporting', () => {
  const collector = new SkyWalkingCollector();
  let grpc: string;
  before(async () => ({ grpc } = await collector.start()));
  after(() => collector.close());

  it('links pino, winston and bunyan logs to exactly the spans they were written in; sampled-out logs carry no segment', async () => {
    const app = await runApp('--require', 'logging-app.cjs', {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
      SW_AGENT_NAME: 'logging-app',
      SW_TRACE_IGNORE_PATH: '/health',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    let logs: StoredLog[];
    try {
      assert.equal(await get(`${app.url}/order`), 'done');
      assert.equal(await get(`${app.url}/health`), 'ok');
      logs = await collector.waitFor((c) => {
        const held = c.logs({ service: 'logging-app' });
        return held.length >= 7 && c.segments().some((s) => s.service === 'logging-app') && held;
      }, 15_000);
    } finally {
      await app.stop();
    }
    const segment = collector.segments().find((s) => s.service === 'logging-app')!;
    const spanOf = (body: string) => {
      const log = logs.find((l) => l.body.includes(body));
      assert.ok(log, `a log "${body}" was received: ${JSON.stringify(logs.map((l) => l.body))}`);
      assert.ok(log.traceContext, `"${body}" has a trace context`);
      assert.equal(log.traceContext.traceId, segment.traceId);
      assert.equal(log.traceContext.traceSegmentId, segment.traceSegmentId);
      return segment.spans.find((s) => s.spanId === log.traceContext!.spanId)?.operationName;
    };
    const entry = segment.spans.find((s) => s.parentSpanId === -1)!;
    assert.equal(spanOf('order requested'), entry.operationName, 'pino, in the request span');
    assert.equal(spanOf('loading order'), 'load-order', 'winston, in the first nested span');
    assert.equal(spanOf('price service slow'), 'price-order', 'pino, in the span nested in it');
    assert.equal(spanOf('priced'), 'price-order', 'winston, in the same nested span');
    assert.equal(spanOf('price computed'), 'price-order', 'bunyan, in the same nested span');
    const order = logs.find((l) => l.body.includes('order requested'))!;
    assert.equal(order.endpoint, entry.operationName);
    assert.equal(order.level, 'info');

    const health = logs.find((l) => l.body.includes('health checked'))!;
    assert.ok(health.traceContext, 'a sampled-out request still has a trace id');
    assert.equal(health.traceContext.traceSegmentId, '', 'but no segment id');
    assert.ok(!collector.segments().some((s) => s.traceId === health.traceContext!.traceId), 'and no segment was reported');
    assert.equal(logs.find((l) => l.body.includes('starting'))!.traceContext, null, 'a log outside any request has no trace context');
    assert.deepEqual(collector.violations({ traceId: segment.traceId }), []);
  });

  it('is switched by SW_AGENT_LOG_REPORTER_ACTIVE and the logs option, and only with the SkyWalking exporter', () => {
    assert.equal(readConfig({}, {}).config.logs, true);
    assert.equal(readConfig({}, { SW_AGENT_LOG_REPORTER_ACTIVE: 'false' }).config.logs, false);
    assert.equal(readConfig({}, { SW_AGENT_LOG_REPORTER_ACTIVE: 'no' }).config.logs, false, 'the switch words of every SW_AGENT_* switch');
    assert.equal(readConfig({ logs: true }, { SW_AGENT_LOG_REPORTER_ACTIVE: 'false' }).config.logs, true);
    assert.equal(readConfig({}, { OTEL_TRACES_EXPORTER: 'console' }).config.logs, false);
    const { config, problems } = readConfig({}, { SW_AGENT_LOG_REPORTER_ACTIVE: 'maybe' });
    assert.equal(config.logs, true, 'an invalid value keeps the default');
    assert.deepEqual(problems.map((p) => p.message), ['SW_AGENT_LOG_REPORTER_ACTIVE="maybe" is not true or false (or yes/no, on/off, 1/0); using true']);
  });
});
