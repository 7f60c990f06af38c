// The three ways in: environment variables alone (register.test.ts), start() from code, and the
// pieces dropped into an existing OpenTelemetry NodeSDK setup (the example in examples/).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { fixture, get, runNode } from './helpers';

const example = resolve(__dirname, '../../../../examples/switch-to-skywalking');

describe('ways to set up', () => {
  const collector = new SkyWalkingCollector();
  let grpc: string;
  before(async () => ({ grpc } = await collector.start()));
  after(() => collector.close());

  async function assertTraced(service: string, url: string) {
    const trace = await collector.waitFor(
      (c) => c.traces().find((t) => t.services.includes(service) && t.segments.length === 2),
      15_000,
    );
    assert.equal(trace.missingParents.length, 0, 'the two segments are joined by a CrossProcess ref');
    assert.ok(trace.segments.some((s) => s.spans[0].refs.length === 1));
    assert.deepEqual(collector.violations({ traceId: trace.traceId }), []);
    assert.ok(url);
  }

  it('start() from code, with options', async () => {
    const app = await runNode([fixture('start-from-code.cjs')], { TEST_COLLECTOR: grpc, SW_AGENT_NAME: 'loses-to-the-option' });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
      await assertTraced('from-code', app.url);
      assert.ok(collector.instances().some((i) => i.service === 'from-code' && i.serviceInstance === 'from-code-1'));
    } finally {
      await app.stop();
    }
  });

  it('an existing NodeSDK setup switched with ...skyWalkingSdkOptions() (examples/switch-to-skywalking)', async () => {
    const app = await runNode(['--require', `${example}/tracing.js`, `${example}/app.js`], {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'example-orders',
      // NodeSDK also starts OTLP metrics and logs by default; this example only traces.
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    try {
      assert.match(await get(`${app.url}/orders/42`), /"status":"ok"/);
      assert.doesNotMatch(app.output(), /before async attributes settled/);
      await assertTraced('example-orders', app.url);
    } finally {
      await app.stop();
    }
  });
});
