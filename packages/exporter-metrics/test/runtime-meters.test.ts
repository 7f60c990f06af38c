import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { EXTRA_RUNTIME_METERS, NODE_AGENT_RUNTIME_METERS, SkyWalkingMetricExporter, startNodeRuntimeMeters } from '../src';
import { rawMeterServer, startCollector } from './helpers';

const MeterPb = require('skywalking-backend-js/lib/proto/language-agent/Meter_pb') as {
  MeterData: { deserializeBinary(bytes: Uint8Array): { toObject(): DecodedMeterData } };
};

interface DecodedMeterData {
  singlevalue?: { name: string; value: number; labelsList: unknown[] };
  histogram?: unknown;
  service: string;
  serviceinstance: string;
  timestamp: number;
}

/**
 * The names SkyWalking's Node agent reports (apache/skywalking-nodejs
 * src/agent/core/meter/RuntimeMetricsCollector.ts and docs/en/features/runtime-metrics.md), which
 * the OAP's meter-analyzer-config/nodejs-runtime.yaml turns into meter_instance_nodejs_*.
 */
const AGENT_NAMES = [
  'instance_nodejs_process_cpu',
  'instance_nodejs_heap_used',
  'instance_nodejs_heap_total',
  'instance_nodejs_heap_limit',
  'instance_nodejs_rss',
  'instance_nodejs_external_memory',
  'instance_nodejs_array_buffers',
  'instance_nodejs_uptime',
  'instance_nodejs_peak_malloced_memory',
  'instance_nodejs_malloced_memory',
  'instance_nodejs_old_space_used',
  'instance_nodejs_new_space_used',
];

function runtimePipeline(collector: string): { provider: MeterProvider; stop: () => void } {
  const exporter = new SkyWalkingMetricExporter({ collector }, {});
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'runtime-svc', 'service.instance.id': 'runtime-1' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  return { provider, stop: startNodeRuntimeMeters(provider) };
}

describe('Node.js runtime meters', () => {
  it('are the agent\'s meters, decodable by its generated Meter_pb, headed by the identity', async () => {
    const received: Buffer[] = [];
    const server = await rawMeterServer((b) => received.push(b));
    const { provider, stop } = runtimePipeline(server.address);
    try {
      await provider.forceFlush();
      const decoded = received.map((b) => MeterPb.MeterData.deserializeBinary(new Uint8Array(b)).toObject());
      const names = decoded.map((d) => d.singlevalue?.name);
      assert.deepEqual(names.filter((n) => n?.startsWith('instance_nodejs_') && AGENT_NAMES.includes(n)).sort(), [...AGENT_NAMES].sort());
      assert.deepEqual(Object.keys(NODE_AGENT_RUNTIME_METERS), AGENT_NAMES);
      for (const name of names) assert.ok(name !== undefined && (AGENT_NAMES.includes(name) || name in EXTRA_RUNTIME_METERS), String(name));
      assert.equal(decoded[0].service, 'runtime-svc');
      assert.equal(decoded[0].serviceinstance, 'runtime-1');
      assert.ok(decoded[0].timestamp > 0);
      for (const d of decoded.slice(1)) assert.equal(d.service, '');
      const value = (name: string): number => decoded.find((d) => d.singlevalue?.name === name)?.singlevalue?.value ?? NaN;
      assert.ok(value('instance_nodejs_heap_used') > 0 && value('instance_nodejs_heap_used') <= value('instance_nodejs_heap_total'));
      assert.ok(value('instance_nodejs_heap_total') <= value('instance_nodejs_heap_limit'));
      assert.ok(value('instance_nodejs_rss') > value('instance_nodejs_heap_used'));
      assert.ok(value('instance_nodejs_uptime') > 0 && value('instance_nodejs_uptime') < 3600 * 24);
      assert.ok(value('instance_nodejs_process_cpu') >= 0 && value('instance_nodejs_process_cpu') <= 100);
      assert.ok(value('instance_nodejs_event_loop_utilization') >= 0 && value('instance_nodejs_event_loop_utilization') <= 100);
      for (const d of decoded) assert.deepEqual(d.singlevalue?.labelsList, []);
    } finally {
      stop();
      await provider.shutdown();
      server.close();
    }
  });

  it('reach the collector report after report, with history', async () => {
    const { collector, address } = await startCollector();
    const { provider, stop } = runtimePipeline(address);
    try {
      await provider.forceFlush();
      await provider.forceFlush();
      const [instance] = await collector.waitFor((c) => c.meters()[0]?.meters.find((m) => m.name === 'instance_nodejs_rss')?.history.length === 2 && c.meters());
      assert.equal(instance.service, 'runtime-svc');
      for (const name of AGENT_NAMES) assert.ok(instance.meters.some((m) => m.name === name), name);
      assert.deepEqual(collector.meterStats().problemsByRule['meter.name'], undefined);
    } finally {
      stop();
      await provider.shutdown();
      await collector.close();
    }
  });
});
