// Shared parts of the http instrumentation benchmarks: a collector that counts the spans it
// receives (SkyWalking segments and OTLP exports alike, so that every variant's delivered work can
// be compared), the app child processes, and an open-loop load generator.
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SINK_SERVICE } from '../exporter/exporter-load';
import { spawnLineChild } from '../lib/line-child';

/** The app's variants (http-instrumentation-app.ts) with their labels, in table order. */
export const VARIANTS: Array<[string, string]> = [
  ['none', 'no tracing at all'],
  ['lean', '@otel-skywalking/instrumentation-http + SkyWalkingSpanProcessor'],
  ['lean-noop', '@otel-skywalking/instrumentation-http + no-op processor'],
  ['lean-sampled-out', '@otel-skywalking/instrumentation-http, every request sampled out'],
  ['context-only', 'no instrumentation, one context.with per request (AsyncLocalStorage)'],
  ['context-propagated', 'no instrumentation, context.with + extract + inject by hand'],
  ['spans-by-hand', 'no instrumentation, two SDK spans by hand (same attributes), no-op processor'],
  ['contrib', '@opentelemetry/instrumentation-http + SkyWalkingSpanProcessor'],
  ['contrib-sampled-out', '@opentelemetry/instrumentation-http, every request sampled out'],
  ['otlp', '@opentelemetry/instrumentation-http + BatchSpanProcessor + OTLP gRPC'],
  ['sw-agent-all', 'skywalking-backend-js 0.9.0, buffer that traces every request'],
  ['sw-agent', 'skywalking-backend-js 0.9.0, defaults'],
];

/** Calls a protobuf message's `field` (length-delimited) occurrences; the rest is skipped. */
function eachField(message: Buffer, start: number, end: number, field: number, visit: (from: number, to: number) => void): void {
  let at = start;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = message[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (at < end) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (key >>> 3 === field) visit(at, at + length);
      at += length;
    } else return;
  }
}

/** Spans in a SkyWalking SegmentObject (field 3). */
export function segmentSpans(segment: Buffer): number {
  let spans = 0;
  eachField(segment, 0, segment.length, 3, () => spans++);
  return spans;
}

/** Spans in an OTLP ExportTraceServiceRequest (resource_spans 1 → scope_spans 2 → spans 2). */
export function otlpSpans(request: Buffer): number {
  let spans = 0;
  eachField(request, 0, request.length, 1, (a, b) =>
    eachField(request, a, b, 2, (c, d) => eachField(request, c, d, 2, () => spans++)),
  );
  return spans;
}

export interface Sink {
  address: string;
  segments: number;
  spans: number;
  close(): void;
}

/** A gRPC server that answers SkyWalking's and OTLP's trace calls and counts the spans they carry. */
export async function startCountingSink(): Promise<Sink> {
  const server = new grpc.Server();
  const sink: Sink = { address: '', segments: 0, spans: 0, close: () => server.forceShutdown() };
  const segment = (message: Buffer): void => {
    sink.segments++;
    sink.spans += segmentSpans(message);
  };
  server.addService(
    SINK_SERVICE,
    {
      collect: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        call.on('data', segment);
        call.on('end', () => callback(null, Buffer.alloc(0)));
        call.on('error', () => {});
      },
      // SegmentCollection: repeated SegmentObject segments = 1
      collectInSync: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        eachField(call.request, 0, call.request.length, 1, (a, b) => segment(call.request.subarray(a, b)));
        callback(null, Buffer.alloc(0));
      },
      reportInstanceProperties: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
      keepAlive: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
      export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        sink.spans += otlpSpans(call.request);
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  sink.address = `127.0.0.1:${port}`;
  return sink;
}

export interface CountingSinkProcess {
  address: string;
  /** Segments and spans received so far. */
  stats(): Promise<{ segments: number; spans: number }>;
  stop(): void;
}

/** startCountingSink() in a child process of its own (http-sink.ts). */
export async function startCountingSinkProcess(): Promise<CountingSinkProcess> {
  const sink = spawnLineChild([join(__dirname, 'http-sink.js')], {});
  const address = (await sink.nextLine()).split(' ')[1];
  return {
    address,
    stats: async () => {
      const [, segments, spans] = await sink.ask('stats');
      return { segments: Number(segments), spans: Number(spans) };
    },
    stop: sink.stop,
  };
}

export interface App {
  variant: string;
  port: number;
  child: ChildProcess;
  /** CPU time (user + system) the app process used so far, in µs. */
  cpu(): Promise<number>;
  stop(): void;
}

export async function startApp(variant: string, env: Record<string, string>): Promise<App> {
  const app = spawnLineChild([join(__dirname, 'http-instrumentation-app.js')], { ...env, VARIANT: variant });
  const port = Number((await app.nextLine()).split(' ')[1]);
  return {
    variant,
    port,
    child: app.child,
    cpu: async () => Number((await app.ask('cpu'))[1]),
    stop: app.stop,
  };
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  errors: number;
  /** Latency of each answered request from the moment it was due (so a stalled app is not excused). */
  latenciesMs: number[];
}

/** Requests at a fixed `rate` per second for `ms`, whether or not earlier ones were answered. */
export async function openLoop(port: number, rate: number, ms: number): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const result: OpenLoopResult = { sent: 0, ok: 0, errors: 0, latenciesMs: [] };
  const start = process.hrtime.bigint();
  const total = Math.round((rate * ms) / 1000);
  const pending: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsedNs = Number(process.hrtime.bigint() - start);
      const due = Math.min(total, Math.floor((elapsedNs / 1e9) * rate));
      while (result.sent < due) {
        const dueNs = (result.sent / rate) * 1e9;
        result.sent++;
        pending.push(
          new Promise<void>((done) => {
            http
              .get({ host: '127.0.0.1', port, path: `/orders/${result.sent % 1000}`, agent }, (res) => {
                res.resume();
                res.on('end', () => {
                  if (res.statusCode === 200) result.ok++;
                  else result.errors++;
                  result.latenciesMs.push((Number(process.hrtime.bigint() - start) - dueNs) / 1e6);
                  done();
                });
              })
              .on('error', () => {
                result.errors++;
                done();
              });
          }),
        );
      }
      if (result.sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return result;
}
