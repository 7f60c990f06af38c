import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { meterReportService } from '@otel-skywalking/core/protocol';
import { join } from 'node:path';
import { SkyWalkingMetricExporter } from '../src';
import { CountingProxy, makeCertificates, meterPipeline, rawMeterServer, startCollector } from './helpers';

const MeterPb = require('skywalking-backend-js/lib/proto/language-agent/Meter_pb') as {
  MeterData: { deserializeBinary(bytes: Uint8Array): { toObject(): { histogram?: unknown } } };
};

/** An address where nothing listens (a port taken and released). */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describe('meter transport', () => {
  it('drops and counts reports while the OAP is down, and keeps nothing', async () => {
    const { provider, exporter } = meterPipeline({ collector: await deadAddress(), connectTimeoutMillis: 200 });
    try {
      const counter = provider.getMeter('t').createCounter('c');
      for (let i = 0; i < 20; i++) {
        counter.add(1, { n: String(i % 5) });
        await provider.forceFlush().catch(() => undefined);
      }
      const stats = exporter.getStats();
      assert.equal(stats.reportsSent, 0);
      assert.equal(stats.reportsFailed, 20);
      // Cumulative series: 1, 2, 3, 4, then 5 in every report.
      assert.equal(stats.metersDropped.unavailable + stats.metersDropped.failed, 1 + 2 + 3 + 4 + 16 * 5);
      assert.equal(stats.metersDropped.busy, 0);
    } finally {
      await provider.shutdown();
    }
  });

  it('shutdown() cancels a report the collector never answers, and settles at once', async () => {
    const received: Buffer[] = [];
    const server = await rawMeterServer((b) => received.push(b), 'hang');
    const { provider, exporter } = meterPipeline({ collector: server.address, timeoutMillis: 60_000 });
    try {
      provider.getMeter('t').createCounter('c').add(1);
      const flushed = provider.forceFlush().catch(() => 'failed');
      while (received.length === 0) await new Promise((r) => setTimeout(r, 20));
      // A second report while the first is on the wire is dropped, not queued.
      const second = await new Promise<ExportResult>((resolve) =>
        exporter.export(
          {
            resource: resourceFromAttributes({ 'service.name': 'meter-svc' }),
            scopeMetrics: [{ scope: { name: 't' }, metrics: [{ descriptor: { name: 'g', description: '', unit: '', valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: {}, value: 1 }] }] }],
          },
          resolve,
        ),
      );
      assert.equal(second.code, ExportResultCode.FAILED);
      assert.equal(exporter.getStats().metersDropped.busy, 1);
      await exporter.shutdown();
      await flushed;
      assert.equal(exporter.getStats().metersDropped.shutdown, 1);
      assert.equal(exporter.getStats().reportsSent, 0);
    } finally {
      await provider.shutdown();
      server.close();
    }
  });

  it('falls back to collect when the OAP has no collectBatch', async () => {
    const received: Buffer[] = [];
    const server = await rawMeterServer((b) => received.push(b), 'ok', false);
    const { provider, exporter } = meterPipeline({ collector: server.address, reportMethod: 'collectBatch' });
    try {
      provider.getMeter('t').createCounter('c').add(1);
      provider.getMeter('t').createCounter('d').add(2);
      provider.getMeter('t').createHistogram('h', { advice: { explicitBucketBoundaries: [1, 2] } }).record(1.5);
      await provider.forceFlush();
      assert.equal(exporter.getStats().fellBackToCollect, true);
      assert.equal(exporter.getStats().reportsSent, 1);
      const decode = meterReportService().collect.requestDeserialize;
      assert.deepEqual(received.map((b) => decode(b).singleValue?.name).filter(Boolean).sort(), ['c', 'd']);
      // skywalking-backend-js's generated code reads the histogram as the agents' own.
      const histograms = received
        .map((b) => MeterPb.MeterData.deserializeBinary(new Uint8Array(b)).toObject().histogram)
        .filter((h) => h !== undefined);
      assert.deepEqual(histograms, [
        {
          name: 'h',
          labelsList: [],
          valuesList: [
            { bucket: 0, count: 0, isnegativeinfinity: true },
            { bucket: 1, count: 1, isnegativeinfinity: false },
            { bucket: 2, count: 0, isnegativeinfinity: false },
          ],
        },
      ]);
    } finally {
      await provider.shutdown();
      server.close();
    }
  });

  it('shares the trace exporter\'s HTTP/2 connection, one per collector configuration', async () => {
    const { collector, address } = await startCollector();
    const proxy = new CountingProxy(address);
    const target = await proxy.listen();
    const tracing = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shared', 'service.instance.id': 'shared-1' }),
      spanProcessors: [new SkyWalkingSpanProcessor({ collector: target, heartbeatIntervalMillis: 0 })],
    });
    const metering = meterPipeline({ collector: target }, 'shared', 'shared-1');
    // Another collector configuration (the same proxy under another name) has its own connection.
    const apart = meterPipeline({ collector: target.replace('127.0.0.1', 'localhost') }, 'apart', 'apart-1');
    try {
      tracing.getTracer('t').startSpan('op').end();
      await tracing.forceFlush();
      await collector.waitFor((c) => c.segments().length === 1);
      metering.provider.getMeter('t').createCounter('c').add(1);
      await metering.provider.forceFlush();
      await collector.waitFor((c) => c.meters().length === 1);
      assert.equal(proxy.connections, 1);
      apart.provider.getMeter('t').createCounter('c').add(1);
      await apart.provider.forceFlush();
      await collector.waitFor((c) => c.meters().length === 2);
      assert.equal(proxy.connections, 2);
    } finally {
      await tracing.shutdown();
      await metering.provider.shutdown();
      await apart.provider.shutdown();
      await proxy.close();
      await collector.close();
    }
  });

  it('reports over mutual TLS configured by SW_AGENT_SSL_* variables, with the token', async () => {
    const certs = makeCertificates();
    const { collector, address } = await startCollector({
      token: 'secret',
      tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
    });
    const env = {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: address,
      SW_AGENT_AUTHENTICATION: 'secret',
      SW_AGENT_SSL_TRUSTED_CA_PATH: join(certs.dir, 'ca.crt'),
      SW_AGENT_SSL_CERT_CHAIN_PATH: join(certs.dir, 'client.crt'),
      SW_AGENT_SSL_KEY_PATH: join(certs.dir, 'client.key'),
    };
    const secure = new SkyWalkingMetricExporter({}, env);
    const plain = new SkyWalkingMetricExporter({}, { SW_AGENT_COLLECTOR_BACKEND_SERVICES: address, SW_AGENT_AUTHENTICATION: 'secret' });
    try {
      for (const [exporter, name] of [[secure, 'tls-svc'], [plain, 'plain-svc']] as const) {
        const provider = new MeterProvider({
          resource: resourceFromAttributes({ 'service.name': name }),
          readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
        });
        provider.getMeter('t').createCounter('c').add(1);
        await provider.forceFlush().catch(() => undefined);
        await provider.shutdown();
      }
      assert.deepEqual(collector.meters().map((m) => m.service), ['tls-svc']);
      assert.equal(secure.getStats().reportsSent, 2); // forceFlush, and shutdown's last report
      assert.equal(plain.getStats().reportsSent, 0);
    } finally {
      await collector.close();
      certs.remove();
    }
  });
});
