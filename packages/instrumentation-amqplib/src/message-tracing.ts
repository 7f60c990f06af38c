import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type DiagLogger,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import * as core from '@otel-skywalking/core';
import { brokerAttributes } from './broker-address';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
  OPERATION_NAME_PROCESS,
  OPERATION_NAME_PUBLISH,
  OPERATION_NAME_RECEIVE,
} from './semconv';
import type { ThrottledDiag } from '@otel-skywalking/core';
import type {
  AmqpMessage,
  AmqpPublishOptions,
  AmqplibInstrumentationConfig,
  AmqplibInstrumentationStats,
  ConsumeEndOperation,
} from './types';
import { UnsettledDeliveries, type Delivery } from './unsettled-deliveries';
import {
  amqpHeaderGetter,
  consumeDestination,
  consumeNameTarget,
  copyPublishOptions,
  publishDestination,
  publishNameTarget,
  spanName,
  stringField,
} from './utils';

// Bound once: the package index re-exports through getters, which cost a call on every use.
const { MQ_TOPIC_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE, isThenable, transmissionLatency } = core;

export const DEFAULT_CONSUME_TIMEOUT_MILLIS = 60_000;
export const DEFAULT_MAX_UNSETTLED_PER_CHANNEL = 10_000;

/** What MessageTracing reads from its instrumentation, always current (provider and config can change). */
export interface TracingHost {
  tracer(): Tracer;
  config(): AmqplibInstrumentationConfig;
  enabled(): boolean;
}

/** A producer span and what travels with it. */
export interface StartedPublish {
  span: Span;
  /** The context the publish was called in; confirm callbacks run in it. */
  parent: Context;
  options: AmqpPublishOptions;
  isConfirmChannel: boolean;
}

/** A consumer span and the context its handler runs in. */
export interface StartedDelivery {
  delivery: Delivery;
  context: Context;
  /** The delivery tag, -1 when the message had none. */
  tag: number;
  noAck: boolean;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** consumeTimeoutMillis, else the deprecated consumeTimeoutMs, else the default. */
function consumeTimeoutMillis(config: AmqplibInstrumentationConfig): number {
  const value = config.consumeTimeoutMillis ?? config.consumeTimeoutMs;
  return isPositiveNumber(value) ? value : DEFAULT_CONSUME_TIMEOUT_MILLIS;
}

function emptyEndCounts(): Record<ConsumeEndOperation, number> {
  return {
    ack: 0,
    nack: 0,
    reject: 0,
    ackAll: 0,
    nackAll: 0,
    autoAck: 0,
    channelClosed: 0,
    channelError: 0,
    timeout: 0,
    evicted: 0,
  };
}

function errorTypeOf(err: unknown): string {
  if (err instanceof Error) return err.constructor?.name || err.name || 'Error';
  return typeof err;
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return new Error((value as { message: string }).message);
  }
  return new Error(String(value));
}

/**
 * The attributes of a message that no sampler needs (see startPublish), on a recording span: the
 * exchange as SkyWalking's topic, the routing key, the message and conversation ids.
 */
function setMessageAttributes(
  span: Span,
  exchange: string,
  routingKey: string,
  properties: { messageId?: unknown; correlationId?: unknown } | undefined,
): void {
  span.setAttribute(MQ_TOPIC_ATTRIBUTE, exchange);
  if (routingKey !== '') span.setAttribute(ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY, routingKey);
  if (typeof properties?.messageId === 'string') span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, properties.messageId);
  if (typeof properties?.correlationId === 'string') {
    span.setAttribute(ATTR_MESSAGING_MESSAGE_CONVERSATION_ID, properties.correlationId);
  }
}

/** error.type of a failed confirm: the broker said no, or the channel went away first. */
function confirmErrorType(err: Error): string {
  if (err.message === 'message nacked') return 'nack';
  if (err.message === 'channel closed') return 'channel_closed';
  return errorTypeOf(err);
}

/**
 * The spans of messages: starts producer and consumer spans, runs handlers in their context,
 * tracks unsettled deliveries per channel and ends each span exactly once. Nothing here throws
 * into amqplib or the application: internal failures are counted and logged (throttled).
 */
export class MessageTracing {
  private readonly tables = new WeakMap<object, UnsettledDeliveries>();
  private readonly stats: AmqplibInstrumentationStats = {
    publishSpans: 0,
    consumeSpans: 0,
    getSpans: 0,
    unsettled: 0,
    ended: emptyEndCounts(),
    confirmErrors: 0,
    hookErrors: 0,
    internalErrors: 0,
  };
  private readonly errorLog: ThrottledDiag;

  constructor(
    private readonly host: TracingHost,
    logger: DiagLogger,
  ) {
    this.errorLog = new core.ThrottledDiag(undefined, logger);
  }

  get enabled(): boolean {
    return this.host.enabled();
  }

  getStats(): AmqplibInstrumentationStats {
    return { ...this.stats, ended: { ...this.stats.ended } };
  }

  // ---------------------------------------------------------------- producer

  /**
   * Starts a producer span for publish(exchange, routingKey, content, options) and injects its
   * context into a copy of the options. undefined on an internal failure: the message goes untraced.
   */
  startPublish(
    channel: unknown,
    args: unknown[],
    isConfirmChannel: boolean,
    moduleVersion: string | undefined,
  ): StartedPublish | undefined {
    try {
      const exchange = stringField(args[0]);
      const routingKey = stringField(args[1]);
      const options = copyPublishOptions(args[3]);
      // The attributes the messaging conventions call sampling-relevant go in at creation, where
      // the sampler sees them; the rest only onto recording spans. Each attribute given to
      // startSpan is copied three times by the SDK (about 0.4 k instructions a copy), so this
      // saves two copies of each late one, and all of the work for spans sampled out.
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_RABBITMQ,
        [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
        [ATTR_MESSAGING_OPERATION_NAME]: OPERATION_NAME_PUBLISH,
        [ATTR_MESSAGING_DESTINATION_NAME]: publishDestination(exchange, routingKey),
        ...brokerAttributes(channel),
      };
      const parent = context.active();
      const span = this.host
        .tracer()
        .startSpan(
          spanName(OPERATION_NAME_PUBLISH, publishNameTarget(exchange, routingKey)),
          { kind: SpanKind.PRODUCER, attributes },
          parent,
        );
      if (span.isRecording()) setMessageAttributes(span, exchange, routingKey, options);
      propagation.inject(trace.setSpan(parent, span), options.headers);
      this.stats.publishSpans++;
      const hook = this.host.config().publishHook;
      if (hook !== undefined && span.isRecording()) {
        this.runHook('publishHook', () =>
          hook(span, { moduleVersion, exchange, routingKey, content: args[2] as Buffer, options, isConfirmChannel }),
        );
      }
      return { span, parent, options, isConfirmChannel };
    } catch (err) {
      this.internalError(err);
      return undefined;
    }
  }

  /** The broker confirmed (result null) or refused the message, or the channel closed first. */
  endConfirm(started: StartedPublish, args: unknown[], result: unknown, moduleVersion: string | undefined): void {
    const { span } = started;
    try {
      const confirmError = result === null || result === undefined ? undefined : toError(result);
      if (confirmError !== undefined) {
        this.stats.confirmErrors++;
        if (span.isRecording()) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: confirmError.message });
          span.setAttribute(ATTR_ERROR_TYPE, confirmErrorType(confirmError));
        }
      }
      const hook = this.host.config().publishConfirmHook;
      if (hook !== undefined && span.isRecording()) {
        this.runHook('publishConfirmHook', () =>
          hook(span, {
            moduleVersion,
            exchange: stringField(args[0]),
            routingKey: stringField(args[1]),
            content: args[2] as Buffer,
            options: started.options,
            isConfirmChannel: true,
            confirmError,
          }),
        );
      }
    } catch (err) {
      this.internalError(err);
    }
    span.end();
  }

  // ---------------------------------------------------------------- consumer

  /**
   * Starts the consumer span of one message (parent, or link, from its headers) and, unless
   * noAck, tracks it until its settlement. undefined on an internal failure: the message goes on
   * untraced.
   */
  startDelivery(
    channel: object,
    queue: string,
    msg: AmqpMessage,
    fetched: boolean,
    noAck: boolean,
    startTime: number | undefined,
    moduleVersion: string | undefined,
  ): StartedDelivery | undefined {
    try {
      const fields = msg.fields ?? {};
      const exchange = stringField(fields.exchange);
      const routingKey = stringField(fields.routingKey);
      const tag = fields.deliveryTag;
      const properties = msg.properties;
      const headers = properties?.headers;
      const extracted =
        headers !== null && typeof headers === 'object'
          ? propagation.extract(ROOT_CONTEXT, headers, amqpHeaderGetter)
          : ROOT_CONTEXT;
      const operation = fetched ? OPERATION_NAME_RECEIVE : OPERATION_NAME_PROCESS;
      // Sampling-relevant attributes at creation, the rest onto recording spans (see startPublish).
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_RABBITMQ,
        [ATTR_MESSAGING_OPERATION_TYPE]: fetched ? MESSAGING_OPERATION_TYPE_VALUE_RECEIVE : MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
        [ATTR_MESSAGING_OPERATION_NAME]: operation,
        [ATTR_MESSAGING_DESTINATION_NAME]: consumeDestination(exchange, routingKey, queue),
        ...brokerAttributes(channel),
      };
      if (queue !== '') attributes[ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME] = queue;
      const latency = transmissionLatency(extracted, startTime);
      if (latency !== undefined) attributes[TRANSMISSION_LATENCY_ATTRIBUTE] = latency;
      const config = this.host.config();
      let parent = extracted;
      let links: Link[] | undefined;
      if (config.useLinksForConsume === true) {
        const producer = trace.getSpanContext(extracted);
        if (producer !== undefined && isSpanContextValid(producer)) {
          links = [{ context: producer }];
          // Baggage and the rest of the extracted context stay; only the parent goes.
          parent = trace.deleteSpan(extracted);
        }
      }
      const span = this.host
        .tracer()
        .startSpan(
          spanName(operation, consumeNameTarget(exchange, queue)),
          { kind: SpanKind.CONSUMER, attributes, links, startTime },
          parent,
        );
      if (fetched) this.stats.getSpans++;
      else this.stats.consumeSpans++;
      const delivery: Delivery = { span, msg, queue, moduleVersion, startedAt: performance.now(), autoAck: noAck };
      const recording = span.isRecording();
      if (recording) {
        setMessageAttributes(span, exchange, routingKey, properties);
        if (typeof tag === 'number') span.setAttribute(ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG, tag);
      }
      const hook = config.consumeHook;
      if (hook !== undefined && recording) {
        this.runHook('consumeHook', () => hook(span, { moduleVersion, queue, msg }));
      }
      if (!noAck && recording && typeof tag === 'number') {
        // Tracked before the handler runs: it may settle the message synchronously.
        this.stats.unsettled++;
        this.tableFor(channel).add(tag, delivery);
      }
      return { delivery, context: trace.setSpan(parent, span), tag: typeof tag === 'number' ? tag : -1, noAck };
    } catch (err) {
      this.internalError(err);
      return undefined;
    }
  }

  /**
   * Runs the application's handler inside the consumer span's context. Its return value and its
   * exceptions pass through unchanged; under noAck the span ends when the handler is done, which
   * for an async handler is when its promise settles.
   */
  runHandler(channel: object, started: StartedDelivery, handler: AnyHandler, thisArg: unknown, args: unknown[]): unknown {
    const { delivery, noAck } = started;
    const span = delivery.span;
    let result: unknown;
    try {
      result = context.with(started.context, handler, thisArg, ...args);
    } catch (err) {
      this.markFailed(span, err);
      if (noAck && span.isRecording()) this.endDelivery(delivery, 'autoAck', undefined, undefined);
      throw err;
    }
    if (!span.isRecording()) return result;
    if (isThenable(result)) {
      this.observeHandlerPromise(channel, started, result);
    } else if (noAck) {
      this.endDelivery(delivery, 'autoAck', undefined, undefined);
    }
    return result;
  }

  /** A message fetched with the promise API's get: nothing runs inside it, so noAck ends it at once. */
  fetched(channel: object, queue: string, msg: unknown, noAck: boolean, startTime: number, moduleVersion: string | undefined): void {
    if (msg === null || typeof msg !== 'object') return;
    const started = this.startDelivery(channel, queue, msg as AmqpMessage, true, noAck, startTime, moduleVersion);
    if (started !== undefined && noAck) this.endDelivery(started.delivery, 'autoAck', undefined, undefined);
  }

  /**
   * Records a rejected handler promise on the span and, under noAck, ends the span when the
   * promise settles. A rejection is re-thrown from the derived promise, so an application without
   * a handler for it still sees it as an unhandled rejection, as before.
   */
  private observeHandlerPromise(channel: object, started: StartedDelivery, result: PromiseLike<unknown>): void {
    const { delivery, noAck, tag } = started;
    let table: UnsettledDeliveries | undefined;
    if (noAck && tag >= 0) {
      table = this.tableFor(channel);
      this.stats.unsettled++;
      table.add(tag, delivery);
    }
    const done = (): void => {
      if (table !== undefined) {
        if (table.take(tag, delivery)) {
          this.stats.unsettled--;
          this.endDelivery(delivery, 'autoAck', undefined, undefined);
        }
      } else if (noAck) {
        this.endDelivery(delivery, 'autoAck', undefined, undefined);
      }
    };
    result.then(done, (err: unknown) => {
      this.markFailed(delivery.span, err);
      done();
      throw err;
    });
  }

  // ---------------------------------------------------------------- settlement

  /** ack / nack / reject of one message, or with allUpTo of every message up to it. */
  settle(
    channel: unknown,
    message: unknown,
    allUpTo: boolean,
    operation: ConsumeEndOperation,
    requeue: boolean | undefined,
  ): void {
    if (channel === null || typeof channel !== 'object') return;
    const table = this.tables.get(channel);
    if (table === undefined || table.size === 0) return;
    const tag = (message as AmqpMessage | null | undefined)?.fields?.deliveryTag;
    if (typeof tag !== 'number') return;
    try {
      table.settle(tag, allUpTo, operation, requeue);
    } catch (err) {
      this.internalError(err);
    }
  }

  /** ackAll / nackAll. */
  settleAll(channel: unknown, operation: ConsumeEndOperation, requeue: boolean | undefined): void {
    if (channel === null || typeof channel !== 'object') return;
    const table = this.tables.get(channel);
    if (table === undefined || table.size === 0) return;
    try {
      table.settleAll(operation, requeue, undefined);
    } catch (err) {
      this.internalError(err);
    }
  }

  /** The channel emitted 'close' or 'error': its unsettled messages will never be settled. */
  channelEnded(channel: unknown, event: 'close' | 'error', reason: unknown): void {
    if (channel === null || typeof channel !== 'object') return;
    const table = this.tables.get(channel);
    if (table === undefined || table.size === 0) return;
    try {
      const error = event === 'error' ? toError(reason) : new Error('channel closed');
      table.settleAll(event === 'error' ? 'channelError' : 'channelClosed', undefined, error);
    } catch (err) {
      this.internalError(err);
    }
  }

  private tableFor(channel: object): UnsettledDeliveries {
    let table = this.tables.get(channel);
    if (table === undefined) {
      const config = this.host.config();
      table = new UnsettledDeliveries(
        this.onTableEnd,
        consumeTimeoutMillis(config),
        isPositiveInteger(config.maxUnsettledPerChannel)
          ? config.maxUnsettledPerChannel
          : DEFAULT_MAX_UNSETTLED_PER_CHANNEL,
      );
      this.tables.set(channel, table);
    }
    return table;
  }

  /** A delivery left a channel's table (settled, timed out, evicted, channel gone). */
  private readonly onTableEnd = (
    delivery: Delivery,
    operation: ConsumeEndOperation,
    requeue: boolean | undefined,
    error: Error | undefined,
  ): void => {
    this.stats.unsettled--;
    this.endDelivery(delivery, operation, requeue, error);
  };

  /** Ends a consumer span. Never throws. */
  private endDelivery(
    delivery: Delivery,
    operation: ConsumeEndOperation,
    requeue: boolean | undefined,
    error: Error | undefined,
  ): void {
    const span = delivery.span;
    try {
      this.stats.ended[operation]++;
      if ((operation === 'channelClosed' || operation === 'channelError') && span.isRecording()) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? operation });
        span.setAttribute(ATTR_ERROR_TYPE, operation === 'channelError' ? 'channel_error' : 'channel_closed');
      }
      const hook = this.host.config().consumeEndHook;
      if (hook !== undefined && span.isRecording()) {
        this.runHook('consumeEndHook', () =>
          hook(span, {
            moduleVersion: delivery.moduleVersion,
            queue: delivery.queue,
            msg: delivery.msg,
            endOperation: operation,
            rejected: operation === 'nack' || operation === 'reject' || operation === 'nackAll',
            requeue,
          }),
        );
      }
    } catch (err) {
      this.internalError(err);
    }
    span.end();
  }

  // ---------------------------------------------------------------- shared

  /** Records an exception thrown (or a promise rejected) by the application, or by amqplib, on its span. */
  markFailed(span: Span, err: unknown): void {
    if (!span.isRecording()) return;
    try {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(err));
    } catch (failure) {
      this.internalError(failure);
    }
  }

  private runHook(name: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.stats.hookErrors++;
      this.errorLog.error(name, `${name} threw; the message went on`, err);
    }
  }

  private internalError(err: unknown): void {
    this.stats.internalErrors++;
    this.errorLog.error('internal', 'instrumentation failure; the amqplib call went on untraced', err);
  }
}

/** A function amqplib calls back, or the application's handler, with its own `this`. */
export type AnyHandler = (this: unknown, ...args: unknown[]) => unknown;
