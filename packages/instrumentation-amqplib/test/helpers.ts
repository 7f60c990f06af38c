/**
 * Shared test setup: one instrumentation hooked on both installed amqplib majors (npm aliases
 * `amqplib010` and `amqplib2`), an in-memory exporter, the SkyWalking + W3C propagator and an
 * AsyncLocalStorage context manager. Import this module before anything requires amqplib.
 */
import { context, propagation, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import type * as PromiseApi from 'amqplib';
import type * as CallbackApi from 'amqplib/callback_api';
import { AmqplibInstrumentation, type AmqplibInstrumentationConfig } from '../src';

export const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The instrumentation, also registered under the alias names the two majors are installed as. */
export class AliasedAmqplibInstrumentation extends AmqplibInstrumentation {
  protected override moduleNames(): readonly string[] {
    return ['amqplib010', 'amqplib2'];
  }
}

/**
 * One counter for "things that happened", shared by test code and span ends, so that tests can
 * assert the order of events (work done, then span ended) without reading clocks.
 */
export const sequence = {
  last: 0,
  next(): number {
    return ++this.last;
  },
  /** Sequence number at which each span (by span id) ended. */
  ended: new Map<string, number>(),
};

const endOrder: SpanProcessor = {
  onStart() {},
  onEnd(span) {
    sequence.ended.set(span.spanContext().spanId, sequence.next());
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

export const instrumentation = new AliasedAmqplibInstrumentation();
export const exporter = new InMemorySpanExporter();
export const provider = new BasicTracerProvider({
  spanProcessors: [endOrder, new SimpleSpanProcessor(exporter)],
});
instrumentation.setTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(createSkyWalkingPropagator());
export const tracer = provider.getTracer('test');

export interface AmqplibVersion {
  name: string;
  alias: string;
  promise: typeof PromiseApi;
  callback: typeof CallbackApi;
}

/** Every suite runs once per entry. Required here, after the instrumentation hooked require. */
export const VERSIONS: AmqplibVersion[] = [
  {
    name: 'amqplib 0.10',
    alias: 'amqplib010',
    promise: require('amqplib010') as typeof PromiseApi,
    callback: require('amqplib010/callback_api') as typeof CallbackApi,
  },
  {
    name: 'amqplib 2',
    alias: 'amqplib2',
    promise: require('amqplib2') as typeof PromiseApi,
    callback: require('amqplib2/callback_api') as typeof CallbackApi,
  },
];

let counter = 0;
/** A queue or exchange name no other test (or test run) uses. */
export function uniqueName(label: string): string {
  counter++;
  return `otelsw-${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls until the predicate holds; rejects after the bound (a hang guard, not a timing assertion). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function finishedSpans(kind?: SpanKind, filter?: (span: ReadableSpan) => boolean): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((span) => (kind === undefined || span.kind === kind) && (filter === undefined || filter(span)));
}

/** Runs with a config change on the shared instrumentation, restoring the previous config after. */
export async function withConfig<T>(config: AmqplibInstrumentationConfig, run: () => Promise<T>): Promise<T> {
  const previous = instrumentation.getConfig();
  instrumentation.setConfig({ ...previous, ...config });
  try {
    return await run();
  } finally {
    instrumentation.setConfig(previous);
  }
}

/** Resolves after the next turn of the event loop (a macrotask), for handlers that do async work. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
