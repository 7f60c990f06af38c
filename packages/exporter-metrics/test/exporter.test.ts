import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import type { InstanceMeters, MeterSeries } from '@otel-skywalking/collector';
import { meterPipeline, startCollector } from './helpers';

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

function find(instance: InstanceMeters, name: string, labels: Record<string, string> = {}): MeterSeries | undefined {
  return instance.meters.find((m) => m.name === name && JSON.stringify(m.labels) === JSON.stringify(labels));
}

describe('SkyWalkingMetricExporter against the collector', () => {
  it('sends gauges, sums and histograms as SkyWalking meters with the resource identity', async () => {
    const { collector, address, http } = await startCollector({ httpPort: 0 });
    const { provider, exporter } = meterPipeline({ collector: address });
    try {
      const meter = provider.getMeter('test');
      const orders = meter.createCounter('shop.orders');
      orders.add(3, { 'payment.method': 'card' });
      orders.add(2, { 'payment.method': 'card' });
      orders.add(1, { 'payment.method': 'cash' });
      meter.createUpDownCounter('queue_depth').add(-4);
      meter.createGauge('temperature').record(21.5, { room: 'a' });
      const latency = meter.createHistogram('http.latency', { advice: { explicitBucketBoundaries: [10, 100] } });
      for (const v of [5, 50, 50, 500]) latency.record(v);
      await provider.forceFlush();

      const [instance] = await collector.waitFor((c) => c.meters().length > 0 && c.meters());
      assert.equal(instance.service, 'meter-svc');
      assert.equal(instance.instance, 'meter-svc-1');
      assert.equal(find(instance, 'shop_orders', { payment_method: 'card' })?.value, 5);
      assert.equal(find(instance, 'shop_orders', { payment_method: 'cash' })?.value, 1);
      assert.equal(find(instance, 'queue_depth')?.value, -4);
      assert.equal(find(instance, 'temperature', { room: 'a' })?.value, 21.5);
      const histogram = find(instance, 'http_latency');
      assert.equal(histogram?.kind, 'histogram');
      assert.deepEqual(histogram?.buckets, [
        { bucket: -Number.MAX_VALUE, count: 1 },
        { bucket: 10, count: 2 },
        { bucket: 100, count: 1 },
      ]);

      // Cumulative: a second report carries the running total, and the history grows.
      orders.add(10, { 'payment.method': 'cash' });
      await provider.forceFlush();
      await collector.waitFor((c) => find(c.meters()[0], 'shop_orders', { payment_method: 'cash' })?.value === 11);

      const body = (await getJson(`${http}/meters?service=meter-svc`)) as { instances: InstanceMeters[] };
      assert.equal(body.instances.length, 1);
      const cash = find(body.instances[0], 'shop_orders', { payment_method: 'cash' });
      assert.equal(cash?.kind, 'single');
      assert.deepEqual(cash?.history.map(([, v]) => v), [1, 11]);
      assert.equal(typeof body.instances[0].lastReportAt, 'number');
      assert.deepEqual(await getJson(`${http}/meters?service=other`), { instances: [] });
      // Never reported over the ManagementService: stored, and flagged.
      assert.ok(collector.meterProblems().some((p) => p.rule === 'meter.instance-unknown' && p.instance === 'meter-svc-1'));
      const stats = exporter.getStats();
      assert.equal(stats.reportsSent, 2);
      assert.equal(stats.reportsFailed, 0);
    } finally {
      await provider.shutdown();
      await collector.close();
    }
  });

  it('reports over collectBatch when asked', async () => {
    const { collector, address } = await startCollector();
    const { provider, exporter } = meterPipeline({ collector: address, reportMethod: 'collectBatch' });
    try {
      provider.getMeter('test').createCounter('batched').add(7);
      await provider.forceFlush();
      const [instance] = await collector.waitFor((c) => c.meters().length > 0 && c.meters());
      assert.equal(find(instance, 'batched')?.value, 7);
      assert.equal(exporter.getStats().fellBackToCollect, false);
    } finally {
      await provider.shutdown();
      await collector.close();
    }
  });

  it('bounds the label sets per meter and counts what it leaves out', async () => {
    const { collector, address } = await startCollector();
    const { provider, exporter } = meterPipeline({ collector: address, maxSeriesPerMeter: 3 });
    try {
      const counter = provider.getMeter('test').createCounter('per_user');
      for (let i = 0; i < 10; i++) counter.add(1, { user: `u${i}` });
      const wide: Record<string, string> = {};
      for (let i = 0; i < 20; i++) wide[`k${String(i).padStart(2, '0')}`] = 'v';
      provider.getMeter('test').createCounter('wide').add(1, wide);
      await provider.forceFlush();
      const [instance] = await collector.waitFor((c) => c.meters().length > 0 && c.meters());
      assert.equal(instance.meters.filter((m) => m.name === 'per_user').length, 3);
      assert.equal(Object.keys(instance.meters.find((m) => m.name === 'wide')?.labels ?? {}).length, 16);
      const stats = exporter.getStats();
      assert.equal(stats.metersDropped.limit, 7);
      assert.equal(stats.labelsDropped, 4);
      assert.deepEqual(collector.meterStats().problemsByRule['meter.labels'], undefined);
    } finally {
      await provider.shutdown();
      await collector.close();
    }
  });

  it('sends the Authentication token the collector checks', async () => {
    const { collector, address } = await startCollector({ token: 'secret' });
    const good = meterPipeline({ collector: address, authentication: 'secret' }, 'good');
    const bad = meterPipeline({ collector: address, authentication: 'wrong' }, 'bad');
    try {
      good.provider.getMeter('t').createCounter('c').add(1);
      bad.provider.getMeter('t').createCounter('c').add(1);
      await good.provider.forceFlush();
      await bad.provider.forceFlush().catch(() => undefined);
      assert.deepEqual(collector.meters().map((m) => m.service), ['good']);
      assert.equal(bad.exporter.getStats().metersDropped.failed, 1);
      assert.equal(collector.getStats().callsUnauthenticated, 1);
    } finally {
      await good.provider.shutdown();
      await bad.provider.shutdown();
      await collector.close();
    }
  });
});
