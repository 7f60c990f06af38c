/** Shared test setup: a collector, a meter pipeline, a TCP proxy counting connections, a raw gRPC server. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SkyWalkingCollector, type CollectorOptions } from '@otel-skywalking/collector';
import { meterReportService, type Commands } from '@otel-skywalking/core/protocol';
import { SkyWalkingMetricExporter, type SkyWalkingMetricExporterOptions } from '../src';

export async function startCollector(options: CollectorOptions = {}): Promise<{ collector: SkyWalkingCollector; address: string; http?: string }> {
  const collector = new SkyWalkingCollector(options);
  const { grpc: address, http } = await collector.start();
  return { collector, address, http };
}

export interface MeterPipeline {
  provider: MeterProvider;
  exporter: SkyWalkingMetricExporter;
}

/** A MeterProvider for one service whose reader only exports on forceFlush (a long interval). */
export function meterPipeline(options: SkyWalkingMetricExporterOptions, service = 'meter-svc', instance = 'meter-svc-1'): MeterPipeline {
  const exporter = new SkyWalkingMetricExporter(options, {});
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': instance }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 30_000 })],
  });
  return { provider, exporter };
}

/** A TCP proxy in front of `target` that counts the connections it accepted. */
export class CountingProxy {
  connections = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: string) {
    this.server = createServer((client) => {
      this.connections++;
      const [host, port] = splitHostPort(this.target);
      const upstream = new Socket();
      upstream.connect(port, host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(this.server.address() as { port: number }).port}`)));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/**
 * A bare MeterReportService: `collect` hands the raw bytes of every message to `onMessage` and
 * answers per `mode` ('ok', or 'hang': never answers); collectBatch exists only when `batch`.
 */
export async function rawMeterServer(
  onMessage: (bytes: Buffer) => void,
  mode: 'ok' | 'hang' = 'ok',
  batch = false,
): Promise<{ address: string; close: () => void }> {
  const server = new grpc.Server();
  const def = meterReportService();
  const raw = { requestDeserialize: (b: Buffer) => b, requestSerialize: (b: Buffer) => b };
  const service: Record<string, unknown> = { collect: { ...def.collect, ...raw } };
  const handler = (call: grpc.ServerReadableStream<Buffer, Commands>, callback: grpc.sendUnaryData<Commands>): void => {
    call.on('data', onMessage);
    call.on('end', () => {
      if (mode === 'ok') callback(null, { commands: [] });
    });
  };
  const impl: Record<string, unknown> = { collect: handler };
  if (batch) {
    service.collectBatch = { ...def.collectBatch, ...raw };
    impl.collectBatch = handler;
  }
  server.addService(service as unknown as grpc.ServiceDefinition, impl as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

/** A CA and, signed by it, a server certificate for 127.0.0.1 and a client certificate (openssl). */
export function makeCertificates(): { dir: string; ca: Buffer; serverKey: Buffer; serverCert: Buffer; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sw-meter-tls-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const key = (name: string): void => run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  key('ca');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=ca', '-days', '2', '-out', 'ca.crt');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['server', 'client']) {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  }
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return { dir, ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
