// start() reports the Node.js runtime meters of SkyWalking's Node agent, and custom meters, to the OAP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { NODE_AGENT_RUNTIME_METERS } from '@otel-skywalking/exporter-metrics';
import { getStats, startTracing } from '../src';

const QUIET = { instrumentations: { http: false, express: false, amqplib: false, mongodb: false }, logLevel: 'none' as const };

describe('start(): meters', () => {
  it('reports the runtime meters every SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD, and custom meters, as the traced service', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc } = await collector.start();
    const started = startTracing({
      ...QUIET,
      serviceName: 'metered',
      serviceInstance: 'metered-1',
      env: { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD: '100' },
    });
    try {
      metrics.getMeter('app').createCounter('orders.placed').add(2);
      const [instance] = await collector.waitFor((c) => {
        const found = c.meters({ service: 'metered', instance: 'metered-1' });
        return found[0]?.meters.find((m) => m.name === 'instance_nodejs_heap_used')?.history.length === 3 && found;
      }, 10_000);
      for (const name of Object.keys(NODE_AGENT_RUNTIME_METERS)) assert.ok(instance.meters.some((m) => m.name === name), name);
      assert.equal(instance.meters.find((m) => m.name === 'orders_placed')?.value, 2);
      assert.ok(getStats().meters!.reportsSent >= 2); // the third reply may still be on its way
    } finally {
      await started.shutdown();
      await collector.close();
    }
  });

  it('leaves the runtime meters off with SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE=false, and reports a bad period once', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc } = await collector.start();
    const started = startTracing({
      ...QUIET,
      serviceName: 'plain',
      metrics: { reportPeriodMillis: 100 },
      env: { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE: 'false' },
    });
    const bad = startTracing({ ...QUIET, tracesExporter: 'none', env: { SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD: 'soon' } });
    try {
      assert.deepEqual(bad.problems, []); // no SkyWalking exporter: no meters, nothing read
      metrics.getMeter('app').createCounter('jobs').add(1);
      const [instance] = await collector.waitFor((c) => c.meters({ service: 'plain' })[0]?.meters.find((m) => m.name === 'jobs')?.history.length === 2 && c.meters({ service: 'plain' }), 10_000);
      assert.deepEqual(instance.meters.map((m) => m.name), ['jobs']);
    } finally {
      await started.shutdown();
      await bad.shutdown();
      await collector.close();
    }
    const wrong = startTracing({ ...QUIET, env: { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD: 'soon' } });
    await wrong.shutdown();
    assert.deepEqual(wrong.problems.map((p) => p.variable), ['SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD']);
  });
});
