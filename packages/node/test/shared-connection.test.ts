/**
 * Traces, meters and logs of one process share ONE connection to the collector (one per collector
 * configuration), also with TLS, counted by a TCP proxy in front of our collector.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector, type CollectorOptions } from '@otel-skywalking/collector';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { SkyWalkingLogRecordProcessor } from '@otel-skywalking/exporter-logs';
import { SkyWalkingMetricExporter } from '@otel-skywalking/exporter-metrics';
import { startTracing } from '../src';

/** A TCP proxy in front of `target` that counts the connections it accepted. */
async function countingProxy(target: string): Promise<{ address: string; connections: () => number; close: () => Promise<void> }> {
  const port = Number(target.slice(target.lastIndexOf(':') + 1));
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count++;
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A CA and, signed by it, a server certificate for 127.0.0.1 (openssl). */
function makeCertificates(): { ca: Buffer; key: Buffer; cert: Buffer; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sw-shared-tls-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=ca', '-days', '2', '-out', 'ca.crt');
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key');
  run('req', '-new', '-key', 'server.key', '-subj', '/CN=server', '-out', 'server.csr');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt');
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return { ca: read('ca.crt'), key: read('server.key'), cert: read('server.crt'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function startCollector(options: CollectorOptions = {}): Promise<{ collector: SkyWalkingCollector; address: string }> {
  const collector = new SkyWalkingCollector(options);
  const { grpc } = await collector.start();
  return { collector, address: grpc };
}

const service = (name: string) => resourceFromAttributes({ 'service.name': name, 'service.instance.id': `${name}-1` });

describe('one connection for traces, meters and logs', () => {
  it('plaintext: the three exporters share it, and a signal that shuts down first does not cut the others', async () => {
    const { collector, address } = await startCollector();
    const proxy = await countingProxy(address);
    const tracing = new BasicTracerProvider({
      resource: service('shared-plain'),
      spanProcessors: [new SkyWalkingSpanProcessor({ collector: proxy.address, heartbeatIntervalMillis: 0 })],
    });
    const meterExporter = new SkyWalkingMetricExporter({ collector: proxy.address }, {});
    const metering = new MeterProvider({
      resource: service('shared-plain'),
      readers: [new PeriodicExportingMetricReader({ exporter: meterExporter, exportIntervalMillis: 3_600_000 })],
    });
    const logProcessor = new SkyWalkingLogRecordProcessor({ collector: proxy.address, scheduledDelayMillis: 3_600_000 }, {});
    const logging = new LoggerProvider({ resource: service('shared-plain'), processors: [logProcessor] });
    try {
      tracing.getTracer('t').startSpan('shared-op').end();
      await tracing.forceFlush();
      await collector.waitFor((c) => c.segments().some((s) => s.service === 'shared-plain'));
      // Traces shut down first: their share is released, the connection stays for the others.
      await tracing.shutdown();
      metering.getMeter('t').createCounter('shared_plain_total').add(1);
      await metering.forceFlush();
      logging.getLogger('t').emit({ body: 'after the traces shut down' });
      await logging.forceFlush();
      await collector.waitFor((c) => c.meters({ service: 'shared-plain' }).length > 0 && c.logs({ service: 'shared-plain' }).length > 0);
      assert.equal(meterExporter.getStats().reportsSent, 1);
      assert.equal(logProcessor.getStats().sent, 1);
      assert.equal(proxy.connections(), 1, 'segments, meters and logs went over one connection');
    } finally {
      await tracing.shutdown();
      await metering.shutdown();
      await logging.shutdown();
      await proxy.close();
      await collector.close();
    }
  });

  it('TLS, through start(): one connection for the spans, the runtime and custom meters and the logs', async () => {
    const certs = makeCertificates();
    const { collector, address } = await startCollector({ tls: { key: certs.key, cert: certs.cert } });
    const proxy = await countingProxy(address);
    const started = startTracing({
      serviceName: 'shared-tls',
      serviceInstance: 'shared-tls-1',
      startMessage: false,
      exporter: { collector: proxy.address, tls: { ca: certs.ca }, scheduledDelayMillis: 20 },
      logs: { scheduledDelayMillis: 20 },
      metrics: { reportPeriodMillis: 3_600_000 },
      env: {},
    });
    try {
      trace.getTracer('t').startActiveSpan('tls-op', (span) => {
        logs.getLogger('t').emit({ body: 'over TLS' });
        span.end();
      });
      metrics.getMeter('t').createCounter('shared_tls_total').add(1);
      await collector.waitFor(
        (c) => c.segments().some((s) => s.service === 'shared-tls') && c.logs({ service: 'shared-tls' }).length > 0,
        10_000,
      );
      await started.shutdown(); // the meter provider's last report
      await collector.waitFor((c) => c.meters({ service: 'shared-tls' }).length > 0);
      const stats = started.getStats();
      assert.equal(stats.meters?.reportsSent, 1);
      assert.equal(stats.logs?.sent, 1);
      assert.equal(proxy.connections(), 1, 'segments, meters and logs went over one TLS connection');
    } finally {
      await started.shutdown();
      await proxy.close();
      await collector.close();
      certs.remove();
    }
  });
});
