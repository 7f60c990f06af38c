// The consumer variants of the amqplib benchmarks (amqplib.bench.ts, amqplib-instructions.bench.ts):
// how each process is set up, and the headers its messages carry.
import type { TextMapPropagator } from '@opentelemetry/api';
import { CountingExporter } from '../lib/counting-exporter';

export const OURS = '@otel-skywalking/instrumentation-amqplib';
export const OURS_UNSAMPLED = '@otel-skywalking/instrumentation-amqplib, sampling 0';
export const CONTRIB = '@opentelemetry/instrumentation-amqplib';
/**
 * No instrumentation, messages as large as those with the trace headers but without them: a
 * header of filler bytes in their place. RabbitMQ's cost per message steps up once a message
 * outgrows its smallest form (about 64 bytes of properties and body): this row tells that step
 * from the cost of the trace headers themselves.
 */
export const SAME_SIZE = 'uninstrumented, as large as with the trace headers';
/** No instrumentation, but each message carries the headers an instrumented producer writes. */
export const SAME_HEADERS = 'uninstrumented, with the trace headers';
/**
 * The same, in a process where OpenTelemetry's context is in use, as it is in any app with some
 * other instrumentation (http, a database): Node 20's AsyncLocalStorage installs its promise hooks
 * on first use, and from then on every promise of the process pays for them.
 */
export const CONTEXT_IN_USE = 'uninstrumented, with the trace headers, OpenTelemetry context in use';
/**
 * No instrumentation package: the consumer's own handler wrapper does what any OpenTelemetry
 * consumer span needs, with OpenTelemetry's API only (extract, a span with the attributes ours
 * records, the handler in its context, the span ended when the handler is done). What the SDK and
 * the propagator cost: ours minus this is what the instrumentation itself adds.
 */
export const BY_HAND = 'OpenTelemetry span per message by hand, no instrumentation package';
export const VARIANTS = ['uninstrumented', SAME_SIZE, SAME_HEADERS, CONTEXT_IN_USE, BY_HAND, OURS, CONTRIB, OURS_UNSAMPLED] as const;
export type Variant = (typeof VARIANTS)[number];

export const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The message body of every variant: a small JSON document. */
export const BODY = Buffer.from(JSON.stringify({ order: 42, items: ['a', 'b', 'c'] }));

/**
 * Headers for the messages of a variant published by an uninstrumented producer: the trace headers
 * an instrumented producer writes (traceparent, sw8, sw8-x with its send time), filler of the same
 * size, or none. Always an application header of its own.
 */
export function messageHeaders(variant: Variant): Record<string, unknown> {
  const headers: Record<string, unknown> = { tenant: 't1' };
  if (variant === 'uninstrumented') return headers;
  const { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { createSkyWalkingPropagator } =
    require('@otel-skywalking/propagator-sw8') as typeof import('@otel-skywalking/propagator-sw8');
  const propagator: TextMapPropagator = createSkyWalkingPropagator();
  const spanContext = { traceId: '870249d0f2028b3abd630d9075301c74', spanId: '8715ba3fe84d112c', traceFlags: TraceFlags.SAMPLED };
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers, defaultTextMapSetter);
  headers['sw8-x'] = `0-${Date.now()}`;
  if (variant !== SAME_SIZE) return headers;
  // One filler entry as long as the trace headers' entries (AMQP field table: a byte of name
  // length, the name, a type byte, 4 bytes of value length, the value).
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'tenant') continue;
    bytes += 1 + name.length + 1 + 4 + Buffer.byteLength(String(value));
    delete headers[name];
  }
  headers.filler = 'x'.repeat(bytes - (1 + 'filler'.length + 1 + 4));
  return headers;
}

/** A consume callback of amqplib. */
export type ConsumeHandler = (msg: import('amqplib').ConsumeMessage | null) => unknown;

export interface VariantSetup {
  /** amqplib 2, instrumented as the variant says. */
  amqp: typeof import('amqplib');
  /** The consumer's handler as the variant runs it (BY_HAND wraps it in a span; others pass it on). */
  handler(queue: string, handler: ConsumeHandler): ConsumeHandler;
  /** Spans exported since the last reset. */
  spans(): number;
  resetSpans(): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Sets up a consumer process for a variant: context manager, propagator, a tracer provider
 * (BatchSpanProcessor, no-op exporter) and the instrumentation, then requires amqplib 2 (installed
 * under the npm alias `amqplib2`). The instrumentations must be in place before amqplib is
 * required, so everything is required here, not imported.
 */
export function setUpVariant(variant: Variant): VariantSetup {
  const { ROOT_CONTEXT, context, propagation } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { createSkyWalkingPropagator } =
    require('@otel-skywalking/propagator-sw8') as typeof import('@otel-skywalking/propagator-sw8');

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(createSkyWalkingPropagator());
  const exporter = new CountingExporter();
  const provider = new BasicTracerProvider({
    sampler: variant === OURS_UNSAMPLED ? new AlwaysOffSampler() : undefined,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });

  if (variant === OURS || variant === OURS_UNSAMPLED) {
    const { AmqplibInstrumentation } =
      require('@otel-skywalking/instrumentation-amqplib') as typeof import('@otel-skywalking/instrumentation-amqplib');
    class Aliased extends AmqplibInstrumentation {
      protected override moduleNames(): readonly string[] {
        return ['amqplib2'];
      }
    }
    new Aliased().setTracerProvider(provider);
  } else if (variant === CONTRIB) {
    const contrib = require('@opentelemetry/instrumentation-amqplib') as typeof import('@opentelemetry/instrumentation-amqplib');
    // It matches the module name `amqplib` only: point its definitions at the alias.
    class Aliased extends contrib.AmqplibInstrumentation {
      protected override init() {
        const definitions = super.init();
        for (const definition of [definitions].flat()) {
          (definition as { name: string }).name = 'amqplib2';
          for (const file of definition.files) (file as { name: string }).name = file.name.replace(/^amqplib\//, 'amqplib2/');
        }
        return definitions;
      }
    }
    new Aliased().setTracerProvider(provider);
  }
  if (variant === CONTEXT_IN_USE) context.with(ROOT_CONTEXT, () => undefined);

  return {
    amqp: require('amqplib2') as typeof import('amqplib'),
    handler: (queue, handler) => (variant === BY_HAND ? spanByHand(provider, queue, handler) : handler),
    spans: () => exporter.spans,
    resetSpans: () => {
      exporter.spans = 0;
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * A consumer span per message written against OpenTelemetry's API, as an application without an
 * amqplib instrumentation would: the same propagator, the attributes ours records for these
 * messages, the handler in the span's context, the span ended when the handler's promise settles
 * (the bench's handlers ack just before).
 */
function spanByHand(provider: import('@opentelemetry/api').TracerProvider, queue: string, handler: ConsumeHandler): ConsumeHandler {
  const { ROOT_CONTEXT, SpanKind, context, propagation, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { MQ_TOPIC_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE } = require('@otel-skywalking/core') as typeof import('@otel-skywalking/core');
  const tracer = provider.getTracer('by-hand');
  const broker = new URL(BROKER_URL);
  const host = broker.hostname;
  const port = Number(broker.port || 5672);
  return (msg) => {
    if (msg === null) return handler(msg);
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const sent = Number(String(headers['sw8-x'] ?? '').split('-')[1]);
    const span = tracer.startSpan(
      `process ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': queue,
          [MQ_TOPIC_ATTRIBUTE]: msg.fields.exchange,
          'server.address': host,
          'server.port': port,
          'messaging.destination.subscription.name': queue,
          'messaging.rabbitmq.destination.routing_key': msg.fields.routingKey,
          'messaging.rabbitmq.message.delivery_tag': msg.fields.deliveryTag,
          'messaging.message.id': msg.properties.messageId as string,
          [TRANSMISSION_LATENCY_ATTRIBUTE]: Number.isFinite(sent) ? Math.max(0, Date.now() - sent) : undefined,
        },
      },
      parent,
    );
    const done = (): void => span.end();
    const result = context.with(trace.setSpan(parent, span), handler, undefined, msg) as Promise<unknown>;
    result.then(done, done);
    return result;
  };
}
