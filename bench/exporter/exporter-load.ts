// Shared parts of the exporter's HTTP benchmarks: collectors that accept and discard (so that every
// variant's backend costs the same), the downstream service, the app child processes and a
// keep-alive load generator.
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { spawnLineChild } from '../lib/line-child';

/** The HTTP app's variants (exporter-http-app.ts), with their labels for the tables. */
export const HTTP_APP_VARIANTS: Array<[string, string]> = [
  ['noop', 'no-op processor'],
  ['tracker', 'core SegmentTracker only (no export)'],
  ['skywalking', 'SkyWalkingSpanProcessor'],
  ['skywalking-bsp', 'SegmentTracker + BatchSpanProcessor + SkyWalkingTraceExporter'],
  ['otlp', 'BatchSpanProcessor + OTLP gRPC'],
  ['sw-agent', 'skywalking-backend-js 0.9.0'],
];

export interface Sink {
  address: string;
  messages: number;
  bytes: number;
  close(): void;
}

const passthrough = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};
const stream = (path: string) => ({ path, requestStream: true, responseStream: false, ...passthrough });
const unary = (path: string) => ({ path, requestStream: false, responseStream: false, ...passthrough });

/** The calls a bench sink answers, as raw bytes: SkyWalking's collect / collectInSync and ManagementService, OTLP's Export. */
export const SINK_SERVICE = {
  collect: stream('/skywalking.v3.TraceSegmentReportService/collect'),
  collectInSync: unary('/skywalking.v3.TraceSegmentReportService/collectInSync'),
  reportInstanceProperties: unary('/skywalking.v3.ManagementService/reportInstanceProperties'),
  keepAlive: unary('/skywalking.v3.ManagementService/keepAlive'),
  export: unary('/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
} as unknown as grpc.ServiceDefinition;

/**
 * A gRPC server that reads and discards SkyWalking collect / collectInSync, ManagementService calls and OTLP
 * trace exports, answering each with an empty message (Commands / ExportTraceServiceResponse).
 */
export async function startSink(): Promise<Sink> {
  const server = new grpc.Server();
  const sink: Sink = { address: '', messages: 0, bytes: 0, close: () => server.forceShutdown() };
  const count = (message: Buffer): void => {
    sink.messages++;
    sink.bytes += message.length;
  };
  const answer = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    count(call.request);
    callback(null, Buffer.alloc(0));
  };
  const collect = (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    call.on('data', count);
    call.on('end', () => callback(null, Buffer.alloc(0)));
    call.on('error', () => {});
  };
  server.addService(SINK_SERVICE, { collect, collectInSync: answer, reportInstanceProperties: answer, keepAlive: answer, export: answer },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  sink.address = `127.0.0.1:${port}`;
  return sink;
}

/** The uninstrumented service every app calls once per request. */
export async function startDownstream(): Promise<{ port: number; close(): void }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"available":3,"warehouse":"north"}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

export interface SinkProcess {
  address: string;
  stats(): Promise<{ messages: number; bytes: number }>;
  stop(): void;
}

/** startSink() in a child process of its own. */
export async function startSinkProcess(): Promise<SinkProcess> {
  const sink = spawnLineChild([join(__dirname, 'exporter-sink.js')], {});
  const address = (await sink.nextLine()).split(' ')[1];
  return {
    address,
    stats: async () => {
      const [, messages, bytes] = await sink.ask('stats');
      return { messages: Number(messages), bytes: Number(bytes) };
    },
    stop: sink.stop,
  };
}


export interface App {
  variant: string;
  port: number;
  child: ChildProcess;
  /** Resident set size and heap of the app process now. */
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** CPU time (user + system) the app process used so far, in µs. */
  cpu(): Promise<number>;
  stop(): void;
}

export async function startApp(variant: string, env: Record<string, string>): Promise<App> {
  const app = spawnLineChild([join(__dirname, 'exporter-http-app.js')], { ...env, VARIANT: variant });
  const port = Number((await app.nextLine()).split(' ')[1]);
  return {
    variant,
    port,
    child: app.child,
    memory: async () => {
      const [, rss, heapUsed] = await app.ask('rss');
      return { rss: Number(rss), heapUsed: Number(heapUsed) };
    },
    cpu: async () => Number((await app.ask('cpu'))[1]),
    stop: app.stop,
  };
}

export interface RoundResult {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** `concurrency` keep-alive clients request the app back to back for `ms`. */
export async function load(port: number, ms: number, concurrency: number, keepLatencies = true): Promise<RoundResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  let requests = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + ms;
  let n = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.get({ host: '127.0.0.1', port, path: `/orders/${n++ % 1000}`, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) requests++;
          else errors++;
          if (keepLatencies) latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const worker = async () => {
    while (Date.now() < until) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { requests, errors, seconds: Number(process.hrtime.bigint() - started) / 1e9, latenciesMs };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** `concurrency` keep-alive clients make exactly `count` requests; resolves with the number answered 200. */
export async function loadCount(port: number, count: number, concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let started = 0;
  let ok = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const path = `/orders/${started++ % 1000}`;
      http
        .get({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            resolve();
          });
        })
        .on('error', () => resolve());
    });
  const worker = async () => {
    while (started < count) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return ok;
}
