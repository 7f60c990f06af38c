/**
 * The functions that replace amqplib's Channel methods (promise and callback models alike). Each
 * calls the original with the same `this` and arguments, apart from the publish options (a copy
 * with the context in its headers) and the callbacks (wrapped to end spans); return values and
 * exceptions are amqplib's own.
 */
import { context } from '@opentelemetry/api';
import { connectTarget, rememberTarget } from './broker-address';
import type { AnyHandler, MessageTracing } from './message-tracing';
import type { AmqpMessage } from './types';
import { isThenable } from '@otel-skywalking/core';
import { stringField } from './utils';

/** The ConfirmChannel class of a model, for `instanceof`. */
export type ConfirmChannelClass = abstract new (...args: never[]) => unknown;

function requeueFlag(value: unknown): boolean {
  // amqplib's own default for nack / reject / nackAll.
  return value === undefined ? true : Boolean(value);
}

function noAckOption(options: unknown): boolean {
  return options !== null && typeof options === 'object' && Boolean((options as { noAck?: unknown }).noAck);
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** Channel#publish (sendToQueue calls it): a PRODUCER span that ends when the frame is written. */
export function wrapPublish(
  tracing: MessageTracing,
  original: AnyHandler,
  confirmChannel: ConfirmChannelClass | undefined,
  moduleVersion: string | undefined,
): AnyHandler {
  return function publish(this: unknown, ...args: unknown[]): unknown {
    // A confirm channel's publish reaches here through super.publish, already traced.
    if (!tracing.enabled || (confirmChannel !== undefined && this instanceof confirmChannel)) {
      return original.apply(this, args);
    }
    const started = tracing.startPublish(this, args, false, moduleVersion);
    if (started === undefined) return original.apply(this, args);
    args[3] = started.options;
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      tracing.markFailed(started.span, err);
      started.span.end();
      throw err;
    }
    started.span.end();
    return result;
  };
}

/** ConfirmChannel#publish: the PRODUCER span ends at the broker's ack or nack. */
export function wrapConfirmPublish(tracing: MessageTracing, original: AnyHandler, moduleVersion: string | undefined): AnyHandler {
  return function publish(this: unknown, ...args: unknown[]): unknown {
    const callback = args[4];
    const callable = typeof callback === 'function';
    // Something amqplib would call but is not a function: leave its failure to amqplib, untraced.
    if (!tracing.enabled || (!callable && callback !== undefined && callback !== null)) {
      return original.apply(this, args);
    }
    const started = tracing.startPublish(this, args, true, moduleVersion);
    if (started === undefined) return original.apply(this, args);
    args[3] = started.options;
    let confirmed = false;
    // Also for publishes without a callback, so that every span ends at the broker's confirm.
    args[4] = function onConfirm(this: unknown, ...results: unknown[]): unknown {
      if (!confirmed) {
        confirmed = true;
        tracing.endConfirm(started, args, results[0], moduleVersion);
      }
      return callable ? context.with(started.parent, callback as AnyHandler, this, ...results) : undefined;
    };
    try {
      return original.apply(this, args);
    } catch (err) {
      if (!confirmed) {
        confirmed = true;
        tracing.markFailed(started.span, err);
        started.span.end();
      }
      throw err;
    }
  };
}

/** Channel#consume: the handler amqplib registers is one that traces each delivery. */
export function wrapConsume(tracing: MessageTracing, original: AnyHandler, moduleVersion: string | undefined): AnyHandler {
  return function consume(this: unknown, ...args: unknown[]): unknown {
    const handler = args[1];
    if (tracing.enabled && typeof handler === 'function' && isObject(this)) {
      args[1] = tracedHandler(tracing, this, stringField(args[0]), handler as AnyHandler, noAckOption(args[2]), moduleVersion);
    }
    return original.apply(this, args);
  };
}

/** The function amqplib calls per delivery in place of the application's handler. */
function tracedHandler(
  tracing: MessageTracing,
  channel: object,
  queue: string,
  handler: AnyHandler,
  noAck: boolean,
  moduleVersion: string | undefined,
): AnyHandler {
  return function onMessage(this: unknown, msg: unknown): unknown {
    // null is the broker cancelling the consumer: the application sees it as before, untraced.
    if (!isObject(msg) || !tracing.enabled) return handler.call(this, msg);
    const started = tracing.startDelivery(channel, queue, msg as AmqpMessage, false, noAck, undefined, moduleVersion);
    if (started === undefined) return handler.call(this, msg);
    return tracing.runHandler(channel, started, handler, this, [msg]);
  };
}

/** Channel#get of the promise model: a CONSUMER span per fetched message. */
export function wrapPromiseGet(tracing: MessageTracing, original: AnyHandler, moduleVersion: string | undefined): AnyHandler {
  return function get(this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    if (!tracing.enabled || !isThenable(result) || !isObject(this)) return result;
    const queue = stringField(args[0]);
    const noAck = noAckOption(args[1]);
    const startTime = Date.now();
    return result.then((msg) => {
      tracing.fetched(this as object, queue, msg, noAck, startTime, moduleVersion);
      return msg;
    });
  };
}

/** Channel#get of the callback model: the callback runs inside the fetched message's span. */
export function wrapCallbackGet(tracing: MessageTracing, original: AnyHandler, moduleVersion: string | undefined): AnyHandler {
  return function get(this: unknown, ...args: unknown[]): unknown {
    const callback = args[2];
    if (tracing.enabled && typeof callback === 'function' && isObject(this)) {
      args[2] = tracedGetCallback(tracing, this, stringField(args[0]), noAckOption(args[1]), callback as AnyHandler, moduleVersion);
    }
    return original.apply(this, args);
  };
}

function tracedGetCallback(
  tracing: MessageTracing,
  channel: object,
  queue: string,
  noAck: boolean,
  callback: AnyHandler,
  moduleVersion: string | undefined,
): AnyHandler {
  const startTime = Date.now();
  return function onFetched(this: unknown, ...results: unknown[]): unknown {
    const msg = results[1];
    if (isObject(msg) && tracing.enabled) {
      const started = tracing.startDelivery(channel, queue, msg as AmqpMessage, true, noAck, startTime, moduleVersion);
      if (started !== undefined) return tracing.runHandler(channel, started, callback, this, results);
    }
    return callback.apply(this, results);
  };
}

/** ack / nack / reject: end the spans of what was settled, after amqplib sent the settlement. */
export function wrapSettle(tracing: MessageTracing, original: AnyHandler, operation: 'ack' | 'nack' | 'reject'): AnyHandler {
  return function settle(this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    const allUpTo = operation !== 'reject' && Boolean(args[1]);
    const requeue = operation === 'nack' ? requeueFlag(args[2]) : operation === 'reject' ? requeueFlag(args[1]) : undefined;
    tracing.settle(this, args[0], allUpTo, operation, requeue);
    return result;
  };
}

/** ackAll / nackAll. */
export function wrapSettleAll(tracing: MessageTracing, original: AnyHandler, operation: 'ackAll' | 'nackAll'): AnyHandler {
  return function settleAll(this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    tracing.settleAll(this, operation, operation === 'nackAll' ? requeueFlag(args[0]) : undefined);
    return result;
  };
}

/**
 * Channel#emit: sees 'close' and 'error' without adding listeners (an added 'error' listener would
 * change what an unhandled channel error does to the application).
 */
export function wrapEmit(tracing: MessageTracing, original: AnyHandler): AnyHandler {
  return function emit(this: unknown, ...args: unknown[]): unknown {
    const event = args[0];
    if (event === 'close' || event === 'error') tracing.channelEnded(this, event, args[1]);
    return original.apply(this, args);
  };
}

/** lib/connect.js connect(url, socketOptions, openCallback): remembers the host and port dialled. */
export function wrapConnect(original: AnyHandler): AnyHandler {
  return function connect(this: unknown, ...args: unknown[]): unknown {
    const openCallback = args[2];
    if (typeof openCallback === 'function') {
      const target = connectTarget(args[0]);
      args[2] = function opened(this: unknown, ...results: unknown[]): unknown {
        rememberTarget(results[1], target);
        return (openCallback as AnyHandler).apply(this, results);
      };
    }
    return original.apply(this, args);
  };
}
