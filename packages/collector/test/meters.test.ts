import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { meterReportService, type Commands } from '@otel-skywalking/core/protocol';
import { MAX_SERIES_PER_INSTANCE, METER_HISTORY_POINTS, SkyWalkingCollector } from '../src';
import { formatMeterLine } from '../src/meter-format';
import { managementClient, meterClient, meterReport as report, metadata, sendMeters as send, singleMeter as single, unary } from './helpers';


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

describe('collector: MeterReportService', () => {
  it('checks names, labels, values and identity the way MAL needs them', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc: address } = await collector.start();
    const client = meterClient(address);
    const mgmt = managementClient(address);
    try {
      await unary(mgmt.keepAlive.bind(mgmt), { service: 'svc', serviceInstance: 'known', layer: 'GENERAL' });
      const labels17: Record<string, string> = {};
      for (let i = 0; i < 17; i++) labels17[`k${i}`] = 'v';
      await send(client, report('svc', 'known', [
        single('good_meter', 1, { region: 'eu' }),
        single('http.server.duration', 2),
        single('9lives', 3),
        single('too_many_labels', 4, labels17),
        single('bad_label_key', 5, { 'a.b': 'x' }),
        single('long_label', 6, { k: 'x'.repeat(257) }),
        { histogram: { name: 'unordered', labels: [], values: [{ bucket: 10, count: 1, isNegativeInfinity: false }, { bucket: 5, count: 1, isNegativeInfinity: false }] } },
        { histogram: { name: 'latency', labels: [], values: [{ bucket: 0, count: 2, isNegativeInfinity: true }, { bucket: 100, count: 3, isNegativeInfinity: false }] } },
      ]));
      await send(client, [single('no_identity', 1)]);
      await send(client, report('svc', 'stranger', [single('good_meter', 1)]));
      await collector.waitFor((c) => c.meterStats().reports === 3);

      const known = collector.meters({ instance: 'known' })[0];
      assert.deepEqual(known.meters.map((m) => m.name).sort(), ['good_meter', 'latency']);
      assert.deepEqual(known.meters.find((m) => m.name === 'good_meter')?.labels, { region: 'eu' });
      assert.deepEqual(known.meters.find((m) => m.name === 'latency')?.buckets, [{ bucket: -Number.MAX_VALUE, count: 2 }, { bucket: 100, count: 3 }]);
      assert.deepEqual(collector.meterStats().problemsByRule, {
        'meter.name': 2,
        'meter.labels': 3,
        'meter.value': 1,
        'meter.identity': 1,
        'meter.instance-unknown': 1,
      });
      assert.equal(collector.meterStats().metersRejected, 6 + 1);
      assert.deepEqual(collector.meters().map((m) => m.instance).sort(), ['known', 'stranger']);
    } finally {
      client.close();
      mgmt.close();
      await collector.close();
    }
  });

  it('keeps the latest value and 60 points of history per series, per instance, bounded', async () => {
    const collector = new SkyWalkingCollector({ maxInstances: 2, httpPort: 0 });
    const { grpc: address, http } = await collector.start();
    const client = meterClient(address);
    const compat = meterClient(address, true);
    try {
      for (let i = 0; i < METER_HISTORY_POINTS + 10; i++) await send(i % 2 === 0 ? client : compat, report('svc', 'a', [single('m', i)], 1_000 + i));
      const series = collector.meters({ service: 'svc', instance: 'a' })[0].meters[0];
      assert.equal(series.value, METER_HISTORY_POINTS + 9);
      assert.equal(series.history.length, METER_HISTORY_POINTS);
      assert.deepEqual(series.history[0], [1_010, 10]);
      const many = Array.from({ length: MAX_SERIES_PER_INSTANCE + 5 }, (_, i) => single('wide', i, { n: String(i) }));
      await send(client, report('svc', 'a', many));
      assert.equal(collector.meters({ instance: 'a' })[0].meters.length, MAX_SERIES_PER_INSTANCE);
      assert.equal(collector.meterStats().problemsByRule['meter.series-limit'], 6);
      await send(client, report('svc', 'b', [single('m', 1)]));
      await send(client, report('svc', 'c', [single('m', 1)]));
      assert.deepEqual(collector.meters().map((m) => m.instance), ['b', 'c']);
      assert.equal(collector.meterStats().instancesEvicted, 1);

      await new Promise<void>((resolve, reject) => {
        const call = client.collectBatch(metadata(), (err) => (err ? reject(err) : resolve()));
        call.write({ meterData: report('svc', 'batch', [single('x', 1), single('y', 2)]) });
        call.end();
      });
      const body = (await getJson(`${http}/meters?instance=batch`)) as { instances: unknown[] };
      assert.deepEqual(body.instances, [
        {
          service: 'svc',
          instance: 'batch',
          lastReportAt: (body.instances[0] as { lastReportAt: number }).lastReportAt,
          meters: [
            { name: 'x', labels: {}, kind: 'single', value: 1, history: [[(body.instances[0] as { meters: { history: number[][] }[] }).meters[0].history[0][0], 1]] },
            { name: 'y', labels: {}, kind: 'single', value: 2, history: [[(body.instances[0] as { meters: { history: number[][] }[] }).meters[1].history[0][0], 2]] },
          ],
        },
      ]);
      const index = (await getJson(`${http}/`)) as { endpoints: string[] };
      assert.ok(index.endpoints.includes('GET /meters?service=&instance='));
      const problems = (await getJson(`${http}/meters/problems`)) as { problems: { rule: string }[] };
      assert.deepEqual([...new Set(problems.problems.map((p) => p.rule))].sort(), ['meter.instance-unknown', 'meter.series-limit']);
      assert.equal(formatMeterLine(collector.meters({ instance: 'batch' })[0]), 'meters svc / batch: x=1 y=2');
    } finally {
      client.close();
      compat.close();
      await collector.close();
    }
  });

  it('the CLI prints one line per meter report', async () => {
    const cli = join(__dirname, '..', 'src', 'cli.js');
    const child = spawn(process.execPath, [cli, '--grpc-port', '0', '--http-port', 'off'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const next = (re: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        const onLine = (line: string): void => {
          if (!re.test(line)) return;
          lines.off('line', onLine);
          lines.off('close', onClose);
          resolve(line);
        };
        const onClose = (): void => reject(new Error(`the CLI ended before printing a line matching ${re}`));
        lines.on('line', onLine);
        lines.once('close', onClose);
      });
    try {
      const banner = await next(/gRPC \(plaintext\) on /);
      const address = /gRPC \(plaintext\) on (\S+?),?\s/.exec(`${banner} `)![1];
      const client = meterClient(address);
      const printed = next(/^meters /);
      await send(client, report('shop', 'shop-1', [single('instance_nodejs_heap_used', 3 * 1024 * 1024), single('orders', 2, { kind: 'web' })]));
      assert.equal(await printed, 'meters shop / shop-1: heap_used=3.0MiB orders{kind=web}=2');
      client.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('counts malformed meter messages and keeps serving', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc: address } = await collector.start();
    const def = meterReportService().collect;
    const Raw = grpc.makeGenericClientConstructor({ collect: { ...def, requestSerialize: (b: Buffer) => b } } as unknown as grpc.ServiceDefinition, 'Raw');
    const raw = new Raw(address, grpc.credentials.createInsecure()) as unknown as {
      collect(md: grpc.Metadata, cb: grpc.requestCallback<Commands>): grpc.ClientWritableStream<Buffer>;
      close(): void;
    };
    const client = meterClient(address);
    try {
      const failed = await new Promise<grpc.ServiceError | null>((resolve) => {
        const call = raw.collect(metadata(), (err) => resolve(err));
        call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])); // a length past the end
        call.end();
      });
      assert.equal(failed?.code, grpc.status.INTERNAL);
      assert.equal(collector.getStats().messagesMalformed, 1);
      await send(client, report('svc', 'after', [single('m', 1)]));
      assert.equal(collector.meters()[0].instance, 'after');
    } finally {
      raw.close();
      client.close();
      await collector.close();
    }
  });
});
