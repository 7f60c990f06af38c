import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type * as PromiseApi from 'amqplib';
import type * as CallbackApi from 'amqplib/callback_api';
import type { ConsumeEndOperation } from '../src';
import {
  BROKER_URL,
  VERSIONS,
  exporter,
  finishedSpans,
  instrumentation,
  nextTurn,
  sequence,
  uniqueName,
  waitFor,
  withConfig,
} from './helpers';

function consumerSpans(queue: string): ReadableSpan[] {
  return finishedSpans(SpanKind.CONSUMER, (s) => s.attributes['messaging.destination.subscription.name'] === queue);
}

function producerByMessageId(): Map<string, ReadableSpan> {
  const byId = new Map<string, ReadableSpan>();
  for (const span of finishedSpans(SpanKind.PRODUCER)) byId.set(String(span.attributes['messaging.message.id']), span);
  return byId;
}

function assertChildOf(child: ReadableSpan, parent: ReadableSpan): void {
  assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
  assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
}

/** Records how each consumer span ended, by delivery tag, through the consumeEndHook. */
function recordEnds(): { ends: Map<number, ConsumeEndOperation>; requeues: Map<number, boolean | undefined> } {
  const ends = new Map<number, ConsumeEndOperation>();
  const requeues = new Map<number, boolean | undefined>();
  instrumentation.setConfig({
    ...instrumentation.getConfig(),
    consumeEndHook: (_span, info) => {
      ends.set(info.msg.fields.deliveryTag, info.endOperation);
      requeues.set(info.msg.fields.deliveryTag, info.requeue);
    },
  });
  return { ends, requeues };
}

for (const version of VERSIONS) {
  describe(`consumer (${version.name})`, () => {
    let connection: PromiseApi.ChannelModel;
    let publisher: PromiseApi.ConfirmChannel;
    const baseConfig = instrumentation.getConfig();

    before(async () => {
      connection = await version.promise.connect(BROKER_URL);
      publisher = await connection.createConfirmChannel();
    });
    after(async () => {
      await publisher.close();
      await connection.close();
    });
    beforeEach(() => {
      exporter.reset();
      instrumentation.setConfig(baseConfig);
    });

    async function publishAll(queue: string, count: number, prefix = 'm'): Promise<void> {
      for (let i = 0; i < count; i++) publisher.sendToQueue(queue, Buffer.from(String(i)), { messageId: `${prefix}${i}` });
      await publisher.waitForConfirms();
    }

    it('1000 messages, prefetch 10, async handler: 1000 spans, each under its producer, ending after the async work', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('thousand');
      const total = 1000;
      const workDone = new Map<string, number>();
      let inFlight = 0;
      let maxInFlight = 0;
      let lostContext = 0;
      const arrival: string[] = [];
      try {
        await ch.assertQueue(queue, { exclusive: true });
        await ch.prefetch(10);
        const finished = new Promise<void>((resolve) => {
          void ch.consume(queue, async (msg) => {
            if (msg === null) return;
            arrival.push(String(msg.properties.messageId));
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const span = trace.getActiveSpan();
            await nextTurn();
            await new Promise((r) => setTimeout(r, 0));
            if (trace.getActiveSpan() !== span || span === undefined) lostContext++;
            workDone.set(String(msg.properties.messageId), sequence.next());
            inFlight--;
            ch.ack(msg);
            if (workDone.size === total) resolve();
          });
        });
        await publishAll(queue, total);
        await finished;

        const spans = consumerSpans(queue);
        assert.equal(spans.length, total, 'exactly one consumer span per message');
        assert.deepEqual(
          arrival,
          Array.from({ length: total }, (_, i) => `m${i}`),
          'every message reached the handler once, in order',
        );
        assert.equal(lostContext, 0, 'every await in the handler ran in the span context');
        assert.ok(maxInFlight <= 10, `never more in flight than the prefetch (${maxInFlight})`);
        assert.ok(maxInFlight > 1, 'deliveries were not serialised by the instrumentation');
        const producers = producerByMessageId();
        for (const span of spans) {
          const id = String(span.attributes['messaging.message.id']);
          const producer = producers.get(id);
          assert.ok(producer, `producer span of ${id}`);
          assertChildOf(span, producer);
          assert.equal(span.name, `process ${queue}`);
          assert.ok(
            (sequence.ended.get(span.spanContext().spanId) ?? 0) > (workDone.get(id) ?? Infinity),
            'the span ended after the handler finished its async work',
          );
        }
        assert.equal(new Set(spans.map((s) => s.attributes['messaging.rabbitmq.message.delivery_tag'])).size, total);
        assert.equal(instrumentation.getStats().unsettled, 0);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('consumer span attributes follow the RabbitMQ messaging conventions, with the sw8-x latency', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('attrs');
      const exchange = uniqueName('attrs-ex');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        await ch.assertExchange(exchange, 'topic', { autoDelete: true });
        await ch.bindQueue(queue, exchange, 'orders.*');
        const got = new Promise<void>((resolve) => {
          void ch.consume(queue, (msg) => {
            if (msg === null) return;
            ch.ack(msg);
            resolve();
          });
        });
        publisher.publish(exchange, 'orders.created', Buffer.from('x'), { messageId: 'id-1', correlationId: 'conv-1' });
        await got;
        const [span] = consumerSpans(queue);
        const attrs = span.attributes;
        assert.equal(span.name, `process ${queue}`);
        assert.equal(span.kind, SpanKind.CONSUMER);
        assert.equal(attrs['messaging.system'], 'rabbitmq');
        assert.equal(attrs['messaging.operation.type'], 'process');
        assert.equal(attrs['messaging.operation.name'], 'process');
        assert.equal(attrs['messaging.destination.name'], `${exchange}:orders.created:${queue}`);
        assert.equal(attrs['messaging.destination.subscription.name'], queue);
        assert.equal(attrs['skywalking.mq.topic'], exchange);
        assert.equal(attrs['messaging.rabbitmq.destination.routing_key'], 'orders.created');
        assert.equal(typeof attrs['messaging.rabbitmq.message.delivery_tag'], 'number');
        assert.equal(attrs['messaging.message.id'], 'id-1');
        assert.equal(attrs['messaging.message.conversation_id'], 'conv-1');
        assert.equal(attrs['server.address'], '127.0.0.1');
        assert.equal(attrs['server.port'], 5672);
        const latency = attrs['skywalking.transmission.latency'];
        assert.ok(typeof latency === 'number' && latency >= 0, `latency from sw8-x: ${String(latency)}`);
        assert.ok(!JSON.stringify(attrs).includes('guest'), 'no credentials');
      } finally {
        await ch.deleteQueue(queue);
        await ch.deleteExchange(exchange);
        await ch.close();
      }
    });

    it('nack with requeue: one span per delivery, all under the same producer', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('requeue');
      const { ends, requeues } = recordEnds();
      let deliveries = 0;
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const done = new Promise<void>((resolve) => {
          void ch.consume(queue, (msg) => {
            if (msg === null) return;
            deliveries++;
            if (deliveries < 3) ch.nack(msg, false, true);
            else {
              ch.ack(msg);
              resolve();
            }
          });
        });
        await publishAll(queue, 1, 'requeue');
        await done;
        const spans = consumerSpans(queue);
        assert.equal(spans.length, 3);
        const [producer] = finishedSpans(SpanKind.PRODUCER);
        for (const span of spans) assertChildOf(span, producer);
        assert.deepEqual([...ends.values()], ['nack', 'nack', 'ack']);
        assert.deepEqual([...requeues.values()], [true, true, undefined]);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('ack allUpTo, reject, nack allUpTo, ackAll and nackAll end exactly the spans they settle', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('settle');
      const { ends } = recordEnds();
      const received: PromiseApi.ConsumeMessage[] = [];
      try {
        await ch.assertQueue(queue, { exclusive: true });
        await ch.consume(queue, (msg) => {
          if (msg !== null) received.push(msg);
        });
        await publishAll(queue, 10);
        await waitFor(() => received.length === 10, '10 deliveries');
        const tags = received.map((m) => m.fields.deliveryTag);
        const endedCount = (): number => consumerSpans(queue).length;

        ch.ack(received[2], true);
        assert.equal(endedCount(), 3);
        ch.reject(received[3], false);
        assert.equal(endedCount(), 4);
        ch.nack(received[5], true, false);
        assert.equal(endedCount(), 6);
        ch.nack(received[6], false, false);
        assert.equal(endedCount(), 7);
        ch.ackAll();
        assert.equal(endedCount(), 10);
        assert.deepEqual(
          tags.map((tag) => ends.get(tag)),
          ['ack', 'ack', 'ack', 'reject', 'nack', 'nack', 'nack', 'ackAll', 'ackAll', 'ackAll'],
        );

        received.length = 0;
        await publishAll(queue, 2, 'second');
        await waitFor(() => received.length === 2, '2 more deliveries');
        ch.nackAll(false);
        assert.equal(endedCount(), 12);
        assert.deepEqual(
          received.map((m) => ends.get(m.fields.deliveryTag)),
          ['nackAll', 'nackAll'],
        );
        for (const span of consumerSpans(queue)) assert.equal(span.status.code, SpanStatusCode.UNSET);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('never-acked messages: spans end at consumeTimeoutMillis, a late ack is harmless', async () => {
      await withConfig({ consumeTimeoutMillis: 100 }, async () => {
        const ch = await connection.createChannel();
        const queue = uniqueName('timeout');
        const { ends } = recordEnds();
        const received: PromiseApi.ConsumeMessage[] = [];
        const before = instrumentation.getStats();
        try {
          await ch.assertQueue(queue, { exclusive: true });
          await ch.consume(queue, (msg) => {
            if (msg !== null) received.push(msg);
          });
          await publishAll(queue, 5);
          await waitFor(() => consumerSpans(queue).length === 5, 'the timeout to end 5 spans');
          assert.deepEqual([...ends.values()], ['timeout', 'timeout', 'timeout', 'timeout', 'timeout']);
          for (const span of consumerSpans(queue)) assert.equal(span.status.code, SpanStatusCode.UNSET);
          const stats = instrumentation.getStats();
          assert.equal(stats.unsettled, before.unsettled, 'nothing left tracked');
          assert.equal(stats.ended.timeout - before.ended.timeout, 5);
          ch.ackAll();
          await ch.checkQueue(queue); // a round trip: the broker accepted the late ack
          assert.equal(consumerSpans(queue).length, 5, 'no second end');
        } finally {
          await ch.deleteQueue(queue);
          await ch.close();
        }
      });
    });

    it('tracked state per channel is bounded: beyond maxUnsettledPerChannel the oldest span ends', async () => {
      await withConfig({ maxUnsettledPerChannel: 4 }, async () => {
        const ch = await connection.createChannel();
        const queue = uniqueName('bounded');
        const { ends } = recordEnds();
        const received: PromiseApi.ConsumeMessage[] = [];
        const before = instrumentation.getStats();
        try {
          await ch.assertQueue(queue, { exclusive: true });
          await ch.consume(queue, (msg) => {
            if (msg !== null) received.push(msg);
          });
          await publishAll(queue, 10);
          await waitFor(() => received.length === 10, '10 deliveries');
          const stats = instrumentation.getStats();
          assert.equal(stats.unsettled - before.unsettled, 4, 'at most 4 tracked');
          assert.equal(stats.ended.evicted - before.ended.evicted, 6, 'the 6 oldest were let go, counted');
          assert.deepEqual(
            received.map((m) => ends.get(m.fields.deliveryTag)),
            ['evicted', 'evicted', 'evicted', 'evicted', 'evicted', 'evicted', undefined, undefined, undefined, undefined],
          );
          ch.ackAll();
          assert.equal(consumerSpans(queue).length, 10);
          assert.equal(instrumentation.getStats().unsettled, before.unsettled);
        } finally {
          await ch.deleteQueue(queue);
          await ch.close();
        }
      });
    });

    it('channel closed with unacked messages: their spans end with ERROR', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('close');
      const { ends } = recordEnds();
      const received: PromiseApi.ConsumeMessage[] = [];
      const cleanup = await connection.createChannel();
      try {
        await cleanup.assertQueue(queue);
        await ch.consume(queue, (msg) => {
          if (msg !== null) received.push(msg);
        });
        await publishAll(queue, 3);
        await waitFor(() => received.length === 3, '3 deliveries');
        assert.equal(consumerSpans(queue).length, 0, 'unsettled spans are still open');
        await ch.close();
        const spans = consumerSpans(queue);
        assert.equal(spans.length, 3);
        for (const span of spans) {
          assert.equal(span.status.code, SpanStatusCode.ERROR);
          assert.equal(span.attributes['error.type'], 'channel_closed');
        }
        assert.deepEqual([...ends.values()], ['channelClosed', 'channelClosed', 'channelClosed']);
      } finally {
        await cleanup.deleteQueue(queue);
        await cleanup.close();
      }
    });

    it('channel error with unacked messages: their spans end with ERROR, the error still reaches the app', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('error');
      const { ends } = recordEnds();
      const received: PromiseApi.ConsumeMessage[] = [];
      const errors: Error[] = [];
      ch.on('error', (err: Error) => errors.push(err));
      const cleanup = await connection.createChannel();
      try {
        await cleanup.assertQueue(queue);
        await ch.consume(queue, (msg) => {
          if (msg !== null) received.push(msg);
        });
        await publishAll(queue, 2);
        await waitFor(() => received.length === 2, '2 deliveries');
        const closed = new Promise((resolve) => ch.once('close', resolve));
        ch.ack({ fields: { deliveryTag: 9999 } } as unknown as PromiseApi.Message); // unknown tag: PRECONDITION_FAILED
        await closed;
        assert.equal(errors.length, 1);
        const spans = consumerSpans(queue);
        assert.equal(spans.length, 2);
        for (const span of spans) {
          assert.equal(span.status.code, SpanStatusCode.ERROR);
          assert.equal(span.attributes['error.type'], 'channel_error');
        }
        assert.deepEqual([...ends.values()], ['channelError', 'channelError']);
      } finally {
        await cleanup.deleteQueue(queue);
        await cleanup.close();
      }
    });

    it('consumer cancelled by queue deletion: the null message passes through, untraced', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('cancel');
      const calls: (string | null)[] = [];
      try {
        await ch.assertQueue(queue);
        const cancelled = new Promise<void>((resolve) => {
          void ch.consume(queue, (msg) => {
            calls.push(msg === null ? null : msg.content.toString());
            if (msg === null) resolve();
            else ch.ack(msg);
          });
        });
        await publishAll(queue, 1);
        await waitFor(() => calls.length === 1, 'the delivery');
        await publisher.deleteQueue(queue);
        await cancelled;
        assert.deepEqual(calls, ['0', null]);
        assert.equal(consumerSpans(queue).length, 1, 'no span for the cancel notification');
      } finally {
        await ch.close();
      }
    });

    it('noAck: a sync handler ends its span on return, an async one when its promise settles', async () => {
      const ch = await connection.createChannel();
      const syncQueue = uniqueName('noack-sync');
      const asyncQueue = uniqueName('noack-async');
      const { ends } = recordEnds();
      const workDone = new Map<string, number>();
      try {
        await ch.assertQueue(syncQueue, { exclusive: true });
        await ch.assertQueue(asyncQueue, { exclusive: true });
        await ch.consume(syncQueue, () => undefined, { noAck: true });
        await ch.consume(
          asyncQueue,
          async (msg) => {
            await nextTurn();
            await new Promise((r) => setTimeout(r, 1));
            workDone.set(String(msg?.properties.messageId), sequence.next());
          },
          { noAck: true },
        );
        await publishAll(syncQueue, 3, 'sync');
        await publishAll(asyncQueue, 3, 'async');
        await waitFor(() => consumerSpans(syncQueue).length === 3 && consumerSpans(asyncQueue).length === 3, 'spans');
        for (const span of consumerSpans(asyncQueue)) {
          const id = String(span.attributes['messaging.message.id']);
          assert.ok((sequence.ended.get(span.spanContext().spanId) ?? 0) > (workDone.get(id) ?? Infinity));
        }
        assert.deepEqual([...new Set(ends.values())], ['autoAck']);
        assert.equal(ends.size, 6);
      } finally {
        await ch.deleteQueue(syncQueue);
        await ch.deleteQueue(asyncQueue);
        await ch.close();
      }
    });

    it("the handler's return value and exceptions are the application's own", async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('passthrough');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const returned = Promise.resolve('handler result');
        const thrown = new Error('handler bug');
        let mode: 'return' | 'throw' = 'return';
        const { consumerTag } = await ch.consume(
          queue,
          (msg) => {
            if (msg !== null && mode === 'throw') throw thrown;
            return returned as unknown as void;
          },
          { noAck: true },
        );
        // The function amqplib will call per delivery (its consumer table is internal).
        const registered = (ch as unknown as { consumers: Map<string, (msg: unknown) => unknown> }).consumers.get(
          consumerTag,
        );
        assert.ok(registered);
        const fake = {
          fields: { deliveryTag: 1, exchange: '', routingKey: queue, redelivered: false, consumerTag },
          properties: { headers: {} },
          content: Buffer.from('x'),
        };
        assert.equal(registered(fake), returned, 'same promise object');
        assert.equal(registered(null), returned, 'cancel notification passes through');
        mode = 'throw';
        assert.throws(() => registered(fake), (err) => err === thrown);
        const failed = finishedSpans(SpanKind.CONSUMER).find((s) => s.status.code === SpanStatusCode.ERROR);
        assert.ok(failed, 'the throw is recorded on the span');
        assert.equal(failed.events[0]?.name, 'exception');
        await returned;
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('a handler that throws on a real delivery: the channel error carries the same error object', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('throws');
      const thrown = new Error('handler bug');
      const errors: unknown[] = [];
      ch.on('error', (err: unknown) => errors.push(err));
      const cleanup = await connection.createChannel();
      try {
        await cleanup.assertQueue(queue);
        await ch.consume(queue, () => {
          throw thrown;
        });
        const closed = new Promise((resolve) => ch.once('close', resolve));
        await publishAll(queue, 1);
        await closed;
        assert.equal(errors[0], thrown);
        const [span] = consumerSpans(queue);
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
      } finally {
        await cleanup.deleteQueue(queue);
        await cleanup.close();
      }
    });

    it('get: a span per fetched message, parented by its producer, ending at ack (noAck: at once)', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('get');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        assert.equal(await ch.get(queue), false);
        assert.equal(finishedSpans(SpanKind.CONSUMER).length, 0, 'an empty get is not a message');
        await publishAll(queue, 2, 'get');
        let first: PromiseApi.GetMessage | false = false;
        for (let i = 0; i < 200 && first === false; i++) first = await ch.get(queue);
        assert.ok(first !== false);
        assert.equal(consumerSpans(queue).length, 0, 'open until settled');
        ch.ack(first);
        const [span] = consumerSpans(queue);
        assert.equal(span.name, `receive ${queue}`);
        assert.equal(span.attributes['messaging.operation.type'], 'receive');
        const producers = producerByMessageId();
        assertChildOf(span, producers.get('get0') as ReadableSpan);

        let second: PromiseApi.GetMessage | false = false;
        for (let i = 0; i < 200 && second === false; i++) second = await ch.get(queue, { noAck: true });
        assert.ok(second !== false);
        assert.equal(consumerSpans(queue).length, 2, 'noAck get ends at once');
        assert.equal(instrumentation.getStats().getSpans >= 2, true);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('useLinksForConsume: the consumer span starts a trace linked to the producer', async () => {
      await withConfig({ useLinksForConsume: true }, async () => {
        const ch = await connection.createChannel();
        const queue = uniqueName('links');
        try {
          await ch.assertQueue(queue, { exclusive: true });
          const got = new Promise<void>((resolve) => {
            void ch.consume(queue, (msg) => {
              if (msg === null) return;
              ch.ack(msg);
              resolve();
            });
          });
          await publishAll(queue, 1);
          await got;
          const [span] = consumerSpans(queue);
          const [producer] = finishedSpans(SpanKind.PRODUCER);
          assert.equal(span.parentSpanContext, undefined);
          assert.notEqual(span.spanContext().traceId, producer.spanContext().traceId);
          assert.equal(span.links.length, 1);
          assert.equal(span.links[0].context.spanId, producer.spanContext().spanId);
        } finally {
          await ch.deleteQueue(queue);
          await ch.close();
        }
      });
    });

    it('consumeHook and consumeEndHook run; throwing hooks break neither the handler nor the ack', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('chooks');
      const seen: string[] = [];
      const before = instrumentation.getStats().hookErrors;
      instrumentation.setConfig({
        ...baseConfig,
        consumeHook: (span, info) => {
          span.setAttribute('app.queue', info.queue);
          seen.push(`consume ${info.msg.content.toString()}`);
          throw new Error('hook bug');
        },
        consumeEndHook: (_span, info) => {
          seen.push(`end ${info.endOperation} ${info.rejected}`);
          throw new Error('hook bug');
        },
      });
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const handled = new Promise<void>((resolve) => {
          void ch.consume(queue, (msg) => {
            if (msg === null) return;
            seen.push('handler');
            ch.ack(msg);
            resolve();
          });
        });
        await publishAll(queue, 1);
        await handled;
        assert.deepEqual(seen, ['consume 0', 'handler', 'end ack false']);
        assert.equal(instrumentation.getStats().hookErrors - before, 2);
        const [span] = consumerSpans(queue);
        assert.equal(span.attributes['app.queue'], queue);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });
  });

  describe(`consumer, callback API (${version.name})`, () => {
    let connection: CallbackApi.Connection;

    before(async () => {
      connection = await new Promise((resolve, reject) =>
        version.callback.connect(BROKER_URL, (err: Error | null, conn: CallbackApi.Connection) =>
          err ? reject(err) : resolve(conn),
        ),
      );
    });
    after(async () => {
      await promisify((cb: (err: unknown) => void) => connection.close(cb))();
    });
    beforeEach(() => exporter.reset());

    it('consume and get: spans under the producer, handlers inside the span, ended at ack', async () => {
      const ch = await promisify<CallbackApi.ConfirmChannel>((cb) => connection.createConfirmChannel(cb))();
      const queue = uniqueName('cb-consume');
      const getQueue = uniqueName('cb-get');
      const activeIds: string[] = [];
      try {
        await promisify((cb: (err: unknown) => void) => ch.assertQueue(queue, { exclusive: true }, cb))();
        await promisify((cb: (err: unknown) => void) => ch.assertQueue(getQueue, { exclusive: true }, cb))();
        const consumed = new Promise<void>((resolve) => {
          ch.consume(queue, (msg) => {
            if (msg === null) return;
            setImmediate(() => {
              activeIds.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
              ch.ack(msg);
              resolve();
            });
          });
        });
        ch.sendToQueue(queue, Buffer.from('a'), { messageId: 'cb-a' });
        ch.sendToQueue(getQueue, Buffer.from('b'), { messageId: 'cb-b' });
        await promisify((cb: (err?: unknown) => void) => ch.waitForConfirms(cb))();
        await consumed;
        const fetched = await new Promise<CallbackApi.Message>((resolve, reject) => {
          const poll = (): void => {
            ch.get(getQueue, {}, (err, msg) => {
              if (err) reject(err);
              else if (msg === false) setTimeout(poll, 5);
              else {
                activeIds.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
                resolve(msg);
              }
            });
          };
          poll();
        });
        assert.equal(consumerSpans(getQueue).length, 0, 'open until acked');
        ch.ack(fetched);
        const producers = producerByMessageId();
        const [consumeSpan] = consumerSpans(queue);
        const [getSpan] = consumerSpans(getQueue);
        assertChildOf(consumeSpan, producers.get('cb-a') as ReadableSpan);
        assertChildOf(getSpan, producers.get('cb-b') as ReadableSpan);
        assert.deepEqual(activeIds, [consumeSpan.spanContext().spanId, getSpan.spanContext().spanId]);
      } finally {
        await promisify((cb: (err: unknown) => void) => ch.deleteQueue(queue, {}, cb))();
        await promisify((cb: (err: unknown) => void) => ch.deleteQueue(getQueue, {}, cb))();
        await promisify((cb: (err: unknown) => void) => ch.close(cb))();
      }
    });
  });
}
