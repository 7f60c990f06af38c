/** Pure helpers: destination names, span names, header carriers. None of them throws. */
import type { TextMapGetter } from '@opentelemetry/api';
import * as core from '@otel-skywalking/core';
import { DEFAULT_EXCHANGE } from './semconv';
import type { AmqpPublishOptions } from './types';

/** Prefix of server-named queues: unique per declaration, so never part of a span name. */
const SERVER_NAMED_QUEUE_PREFIX = 'amq.gen-';
// Bound once: the package index re-exports through getters, which cost a call on every use.
const { headerText } = core;

function isTemporary(name: string): boolean {
  return name.startsWith(SERVER_NAMED_QUEUE_PREFIX);
}

/**
 * `messaging.destination.name` of a publish: `{exchange}:{routing key}`, the one that is not empty,
 * or `amq.default` for the default exchange without a routing key (semantic conventions, RabbitMQ).
 */
export function publishDestination(exchange: string, routingKey: string): string {
  if (exchange !== '') return routingKey !== '' ? `${exchange}:${routingKey}` : exchange;
  return routingKey !== '' ? routingKey : DEFAULT_EXCHANGE;
}

/**
 * `messaging.destination.name` of a consumed message: `{exchange}:{routing key}:{queue}` without
 * the empty parts, and the routing key only once when it equals the queue.
 */
export function consumeDestination(exchange: string, routingKey: string, queue: string): string {
  let name = exchange;
  if (routingKey !== '' && routingKey !== queue) name = name === '' ? routingKey : `${name}:${routingKey}`;
  if (queue !== '') name = name === '' ? queue : `${name}:${queue}`;
  return name === '' ? DEFAULT_EXCHANGE : name;
}

/**
 * The low-cardinality target in a producer span's name: the exchange, or for the default exchange
 * the routing key (a queue name), unless that queue is server-named. '' when there is none.
 */
export function publishNameTarget(exchange: string, routingKey: string): string {
  if (exchange !== '') return exchange;
  return isTemporary(routingKey) ? '' : routingKey;
}

/** The low-cardinality target in a consumer span's name: the queue, else (server-named) the exchange. */
export function consumeNameTarget(exchange: string, queue: string): string {
  if (queue !== '' && !isTemporary(queue)) return queue;
  return exchange;
}

/** `{operation} {target}`, or the operation alone when there is no stable target. */
export function spanName(operation: string, target: string): string {
  return target === '' ? operation : `${operation} ${target}`;
}

/** Reads AMQP header tables: strings, and byte arrays (long strings some clients send as bytes). */
export const amqpHeaderGetter: TextMapGetter<Record<string, unknown>> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const value = carrier[key];
    if (Array.isArray(value)) {
      const strings: string[] = [];
      for (const item of value) {
        const text = headerText(item);
        if (text !== undefined) strings.push(text);
      }
      return strings.length > 0 ? strings : undefined;
    }
    return headerText(value);
  },
};

/**
 * A copy of the caller's publish options with a fresh copy of its headers, so that injecting the
 * trace context never changes an object the application may reuse for the next message.
 */
export function copyPublishOptions(options: unknown): AmqpPublishOptions {
  if (options === null || typeof options !== 'object') return { headers: {} };
  const source = options as AmqpPublishOptions;
  const proto: unknown = Object.getPrototypeOf(source);
  const copy: AmqpPublishOptions =
    proto === Object.prototype || proto === null ? { ...source } : Object.assign(Object.create(proto as object) as object, source);
  const headers = source.headers;
  copy.headers = headers !== null && typeof headers === 'object' ? { ...headers } : {};
  return copy;
}

/** A string field of an untrusted object, '' when absent or not a string. */
export function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
