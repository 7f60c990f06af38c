/**
 * The four driver majors, each installed under an npm alias and hooked by its own
 * `MongoDBInstrumentation({ moduleName: alias })`, plus an in-memory span pipeline.
 */
import { context, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type * as Mongo7 from 'mongodb7';
import { MongoDBInstrumentation, type MongoDBInstrumentationConfig } from '../../src';

/** The driver's module; typed as 7.x, whose API the tests use is common to 4.x–7.x. */
export type Driver = typeof Mongo7;
export type MongoClient = Mongo7.MongoClient;
/** The documents tests write: ids are plain numbers or strings. */
export interface TestDoc {
  _id?: number | string;
  [field: string]: any;
}

export const DRIVER_ALIASES = ['mongodb4', 'mongodb5', 'mongodb6', 'mongodb7'] as const;
export type DriverAlias = (typeof DRIVER_ALIASES)[number];

export interface InstrumentedDriver {
  alias: DriverAlias;
  version: string;
  major: number;
  driver: Driver;
  instrumentation: MongoDBInstrumentation;
}

export interface Tracing {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  tracer: Tracer;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** AsyncLocalStorage-based context, as the Node SDK installs it. */
export function useAsyncContext(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

export function createTracing(sampler?: Sampler): Tracing {
  useAsyncContext();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(sampler === undefined ? {} : { sampler }),
  });
  return { provider, exporter, tracer: provider.getTracer('test') };
}

/**
 * Instruments every alias, then loads it (the hook must exist before the first require).
 * Call once per test file, at load time; without `tracing`, set the tracer provider later.
 */
export function instrumentDrivers(
  tracing: { provider: TracerProvider } | undefined,
  config: MongoDBInstrumentationConfig = {},
): InstrumentedDriver[] {
  return DRIVER_ALIASES.map((alias) => {
    const instrumentation = new MongoDBInstrumentation({ ...config, moduleName: alias });
    if (tracing !== undefined) instrumentation.setTracerProvider(tracing.provider);
    const driver = require(alias) as Driver;
    const version = (require(`${alias}/package.json`) as { version: string }).version;
    return { alias, version, major: Number(version.split('.')[0]), driver, instrumentation };
  });
}

/** Runs `fn` inside a new active span, which ends when `fn` settles. */
export async function inSpan<T>(tracer: Tracer, name: string, fn: (span: Span) => Promise<T>): Promise<{ span: Span; result: T }> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return { span, result: await fn(span) };
    } finally {
      span.end();
    }
  });
}

export function isMongoSpan(span: ReadableSpan): boolean {
  return span.attributes['db.system.name'] === 'mongodb';
}

/** The MongoDB spans of one trace. */
export function mongoSpansOf(exporter: InMemorySpanExporter, traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => isMongoSpan(s) && s.spanContext().traceId === traceId);
}

export function parentIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Operation names, sorted: a multiset to compare. */
export function operationNames(spans: readonly ReadableSpan[]): string[] {
  return spans.map((s) => String(s.attributes['db.operation.name'])).sort();
}

/**
 * A client with a small pool and fast failure, so a broken test fails instead of hanging.
 * Drivers ≥ 6 poll the server: jongodb ends streamed heartbeats early ("Server ended moreToCome
 * unexpectedly"), which makes the driver clear its pool now and then.
 */
export function newClient(
  { driver, major }: Pick<InstrumentedDriver, 'driver' | 'major'>,
  uri: string,
  options: Mongo7.MongoClientOptions = {},
): MongoClient {
  return new driver.MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    maxPoolSize: 5,
    ...(major >= 6 ? { serverMonitoringMode: 'poll' as const } : {}),
    ...options,
  });
}

/** Database name unique per test file and driver (they share one server). */
export function databaseName(file: string, alias: DriverAlias): string {
  return `${file}_${alias}`;
}
