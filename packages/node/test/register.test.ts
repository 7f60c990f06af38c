// `node --require` / `node --import @otel-skywalking/node/register` on apps with no tracing code,
// reporting to a real SkyWalking-protocol collector.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SpanType } from '@otel-skywalking/core/protocol';
import { get, runApp } from './helpers';

describe('register entry points', () => {
  const collector = new SkyWalkingCollector();
  let grpc: string;
  before(async () => ({ grpc } = await collector.start()));
  after(() => collector.close());

  const fast = () => ({ SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, OTEL_BSP_SCHEDULE_DELAY: '100' });

  for (const [flag, file] of [['--require', 'app.cjs'], ['--import', 'app.mjs']] as const) {
    it(`${flag} traces an app from environment variables alone`, async () => {
      const service = `register${flag.replace('--', '-')}`;
      const app = await runApp(flag, file, { ...fast(), SW_AGENT_NAME: service, SW_AGENT_INSTANCE: `${service}-1` });
      try {
        assert.equal(await get(`${app.url}/hello`), 'hello');
        const trace = await collector.waitFor(
          (c) => c.traces().find((t) => t.services.includes(service) && t.segments.length === 2),
          15_000,
        );
        const spans = trace.segments.flatMap((s) => s.spans);
        assert.deepEqual(spans.map((s) => s.spanType).sort(), [SpanType.Entry, SpanType.Entry, SpanType.Exit]);
        assert.ok(trace.segments.every((s) => s.service === service && s.serviceInstance === `${service}-1`));
        assert.equal(trace.missingParents.length, 0, 'the inner call is joined to its caller');
        assert.deepEqual(collector.violations({ traceId: trace.traceId }), []);
      } finally {
        const { code, signal } = await app.stop();
        assert.ok(code === 0 || signal === 'SIGTERM', `exits on SIGTERM (code ${code}, signal ${signal})`);
      }
    });
  }

  it('keeps the app running with invalid settings, saying which variable and what it accepts', async () => {
    const app = await runApp('--require', 'app.cjs', {
      ...fast(),
      SW_AGENT_NAME: 'register-invalid',
      OTEL_TRACES_EXPORTER: 'zipkin',
      SW_AGENT_LOGGING_LEVEL: 'loud',
    });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
      await collector.waitFor((c) => c.segments().some((s) => s.service === 'register-invalid'), 15_000);
      assert.match(app.output(), /OTEL_TRACES_EXPORTER="zipkin": accepted values are skywalking, otlp, console, none; using skywalking/);
      assert.match(app.output(), /SW_AGENT_LOGGING_LEVEL="loud" is not one of/);
    } finally {
      await app.stop();
    }
  });

  it('sends nothing when OTEL_SDK_DISABLED=true', async () => {
    const app = await runApp('--require', 'app.cjs', { ...fast(), SW_AGENT_NAME: 'register-disabled', OTEL_SDK_DISABLED: 'true' });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
      await collector.waitFor((c) => c.segments().some((s) => s.service === 'register-disabled'), 1500).catch(() => undefined);
      assert.equal(collector.segments().filter((s) => s.service === 'register-disabled').length, 0);
    } finally {
      await app.stop();
    }
  });

  it('serves and exits promptly while the collector is unreachable', async () => {
    const app = await runApp('--require', 'app.cjs', {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: '127.0.0.1:1',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      SW_AGENT_NAME: 'register-unreachable',
      SW_AGENT_LOGGING_LEVEL: 'none',
    });
    for (let i = 0; i < 20; i++) assert.equal(await get(`${app.url}/hello`), 'hello');
    const { code, signal, ms } = await app.stop();
    assert.ok(code === 0 || signal === 'SIGTERM');
    assert.ok(ms < 10_000, `exited ${ms} ms after SIGTERM, within the 5 s shutdown bound plus start-up slack`);
  });
});
