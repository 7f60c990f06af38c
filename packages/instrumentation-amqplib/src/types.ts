import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** The parts of an amqplib message the instrumentation reads (amqplib's `Message` / `ConsumeMessage`). */
export interface AmqpMessage {
  fields: {
    deliveryTag: number;
    exchange: string;
    routingKey: string;
    redelivered?: boolean;
    consumerTag?: string;
  };
  properties: {
    headers?: Record<string, unknown>;
    messageId?: string;
    correlationId?: string;
    [key: string]: unknown;
  };
  content: Buffer;
}

/** The publish options amqplib accepts (`Options.Publish`); `headers` is where the context goes. */
export interface AmqpPublishOptions {
  headers?: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  [key: string]: unknown;
}

/** How a consumer span ended. */
export type ConsumeEndOperation =
  | 'ack'
  | 'nack'
  | 'reject'
  | 'ackAll'
  | 'nackAll'
  /** A `noAck` delivery whose handler returned (or whose returned promise settled). */
  | 'autoAck'
  | 'channelClosed'
  | 'channelError'
  /** `consumeTimeoutMillis` passed without a settlement. */
  | 'timeout'
  /** The channel held `maxUnsettledPerChannel` unsettled deliveries and this was the oldest. */
  | 'evicted';

export interface PublishInfo {
  /** Version of the amqplib that published. */
  moduleVersion: string | undefined;
  exchange: string;
  routingKey: string;
  content: Buffer;
  /** The options as sent, headers included (a copy: the caller's object is never changed). */
  options: AmqpPublishOptions;
  isConfirmChannel: boolean;
}

export interface PublishConfirmInfo extends PublishInfo {
  /** The broker's nack or the channel's closing, as amqplib reported it; undefined on ack. */
  confirmError: Error | undefined;
}

export interface ConsumeInfo {
  moduleVersion: string | undefined;
  /** The queue the message came from. */
  queue: string;
  msg: AmqpMessage;
}

export interface ConsumeEndInfo {
  moduleVersion: string | undefined;
  queue: string;
  msg: AmqpMessage;
  endOperation: ConsumeEndOperation;
  /** True for nack / reject / nackAll. */
  rejected: boolean;
  /** For nack / reject: whether the broker was asked to requeue the message. */
  requeue: boolean | undefined;
}

export interface AmqplibInstrumentationConfig extends InstrumentationConfig {
  /** Called after a producer span starts and the headers are injected, before the message is sent. */
  publishHook?: (span: Span, info: PublishInfo) => void;
  /** Called on a confirm channel when the broker acks or nacks the message, before the span ends. */
  publishConfirmHook?: (span: Span, info: PublishConfirmInfo) => void;
  /** Called when a consumer span starts, before the handler runs. */
  consumeHook?: (span: Span, info: ConsumeInfo) => void;
  /** Called when a consumer span is about to end, with the reason. */
  consumeEndHook?: (span: Span, info: ConsumeEndInfo) => void;
  /** A consumer span not settled within this many ms ends without status. Default 60000. */
  consumeTimeoutMillis?: number;
  /** @deprecated Use consumeTimeoutMillis (OpenTelemetry's `*Millis`); read when consumeTimeoutMillis is not given. */
  consumeTimeoutMs?: number;
  /** Unsettled deliveries tracked per channel; beyond it the oldest span ends ('evicted'). Default 10000. */
  maxUnsettledPerChannel?: number;
  /** Start consumer spans as new traces linked to the producer instead of as its children. Default false. */
  useLinksForConsume?: boolean;
}

/** Counters and gauges of the instrumentation; nothing it drops goes uncounted. */
export interface AmqplibInstrumentationStats {
  /** PRODUCER spans started by publish / sendToQueue. */
  publishSpans: number;
  /** CONSUMER spans started for deliveries to `consume` handlers. */
  consumeSpans: number;
  /** CONSUMER spans started for messages fetched with `get`. */
  getSpans: number;
  /** Consumer spans waiting for a settlement now, over all channels. */
  unsettled: number;
  /** Consumer spans ended, by how they ended. */
  ended: Record<ConsumeEndOperation, number>;
  /** Confirm-channel publishes the broker nacked or the channel lost. */
  confirmErrors: number;
  /** Hooks that threw (the error is logged, throttled, and ignored). */
  hookErrors: number;
  /** Failures inside the instrumentation itself; the amqplib call went ahead untraced. */
  internalErrors: number;
}
