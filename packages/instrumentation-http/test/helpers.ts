/**
 * Shared test setup: both instrumentations (ours and @opentelemetry/instrumentation-http) on one
 * tracer provider with an in-memory exporter, the SkyWalking + W3C propagator and an
 * AsyncLocalStorage context manager. Each behaviour suite runs once per instrumentation, with only
 * that one enabled, to show that they behave the same.
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { HttpInstrumentation as ContribHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '../src';

export const exporter = new InMemorySpanExporter();
export const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(createSkyWalkingPropagator());
export const tracer = provider.getTracer('test');

export interface Implementation {
  name: string;
  instrumentation: InstrumentationBase;
  /** Enables this implementation alone, configured with `config`; returns it. */
  enable(config?: HttpInstrumentationConfig): InstrumentationBase;
}

const ours = new HttpInstrumentation({ enabled: false });
const contrib = new ContribHttpInstrumentation({ enabled: false }) as unknown as InstrumentationBase;
// require-in-the-middle hands a module to the hooks registered when it is first required through
// them, once: both register (enable, disable) before that require, so both can patch it later.
for (const instrumentation of [ours, contrib]) {
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  instrumentation.disable();
}
require('node:http');
require('node:https');

let current: InstrumentationBase | undefined;

function activate(instrumentation: InstrumentationBase, config: HttpInstrumentationConfig): InstrumentationBase {
  current?.disable();
  instrumentation.setConfig(config);
  instrumentation.enable();
  current = instrumentation;
  return instrumentation;
}

/** Disables whichever instrumentation is enabled. */
export function disableAll(): void {
  current?.disable();
  current = undefined;
}

export const IMPLEMENTATIONS: Implementation[] = [
  { name: '@otel-skywalking/instrumentation-http', instrumentation: ours, enable: (config = {}) => activate(ours, config) },
  { name: '@opentelemetry/instrumentation-http', instrumentation: contrib, enable: (config = {}) => activate(contrib, config as never) },
];

export interface TestServer {
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** A server on an ephemeral port. */
export async function listen(handler: http.RequestListener, configure?: (server: http.Server) => void): Promise<TestServer> {
  const server = http.createServer(handler);
  configure?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One request; resolves with the answer once its body was read. */
export function request(options: http.RequestOptions | string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(options as http.RequestOptions, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until `count` spans ended (or fails after a bound, saying what arrived). */
export async function spans(count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200; i++) {
    const finished = exporter.getFinishedSpans();
    if (finished.length >= count) return finished;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected ${count} spans, got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

/** Lets pending events (late span ends) happen, then returns what ended. */
export async function settled(): Promise<ReadableSpan[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return exporter.getFinishedSpans();
}
