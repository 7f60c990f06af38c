import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { decodeSw8, decodeSw8Extension, swTraceIdOf } from '@otel-skywalking/core';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type * as PromiseApi from 'amqplib';
import type * as CallbackApi from 'amqplib/callback_api';
import { BROKER_URL, VERSIONS, exporter, finishedSpans, instrumentation, tracer, uniqueName, withConfig } from './helpers';

/** Fetches one message, polling: routing is asynchronous. */
async function pollOne(ch: PromiseApi.Channel, queue: string): Promise<PromiseApi.GetMessage> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const msg = await ch.get(queue, { noAck: true });
    if (msg !== false) return msg;
    if (Date.now() > deadline) throw new Error(`no message on ${queue}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function producerSpans(): ReturnType<typeof finishedSpans> {
  return finishedSpans(SpanKind.PRODUCER);
}

for (const version of VERSIONS) {
  describe(`producer (${version.name})`, () => {
    let connection: PromiseApi.ChannelModel;

    before(async () => {
      connection = await version.promise.connect(BROKER_URL);
    });
    after(async () => {
      await connection.close();
    });
    beforeEach(() => exporter.reset());

    it('publish / sendToQueue: one PRODUCER span per message; context injected into a copy of the headers', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('prod');
      const exchange = uniqueName('ex');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        await ch.assertExchange(exchange, 'direct', { autoDelete: true });
        await ch.bindQueue(queue, exchange, 'orders.created');
        const options = {
          headers: { 'x-user': 'kept', traceparent: 'stale' },
          messageId: 'm-1',
          correlationId: 'c-1',
        };
        const snapshot = structuredClone(options);
        assert.equal(ch.sendToQueue(queue, Buffer.from('a'), options), true);
        assert.equal(ch.publish(exchange, 'orders.created', Buffer.from('b'), options), true);
        assert.deepEqual(options, snapshot, "the caller's options and headers are not changed");

        const spans = producerSpans();
        assert.equal(spans.length, 2);
        const [direct, routed] = spans;
        assert.equal(direct.name, `publish ${queue}`);
        assert.deepEqual(
          { ...direct.attributes },
          {
            'messaging.system': 'rabbitmq',
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'publish',
            'messaging.destination.name': queue,
            'skywalking.mq.topic': '',
            'messaging.rabbitmq.destination.routing_key': queue,
            'messaging.message.id': 'm-1',
            'messaging.message.conversation_id': 'c-1',
            'server.address': '127.0.0.1',
            'server.port': 5672,
          },
        );
        assert.equal(routed.name, `publish ${exchange}`);
        assert.equal(routed.attributes['messaging.destination.name'], `${exchange}:orders.created`);
        assert.equal(routed.attributes['skywalking.mq.topic'], exchange);
        assert.equal(routed.attributes['messaging.rabbitmq.destination.routing_key'], 'orders.created');

        for (const span of spans) {
          const msg = await pollOne(ch, queue);
          const headers = msg.properties.headers ?? {};
          assert.equal(headers['x-user'], 'kept');
          const { traceId, spanId } = span.spanContext();
          assert.equal(headers.traceparent, `00-${traceId}-${spanId}-01`);
          const sw8 = decodeSw8(String(headers.sw8));
          assert.ok(sw8, 'a valid sw8 header');
          assert.equal(sw8.traceId, swTraceIdOf(traceId, undefined));
          assert.equal(sw8.targetAddress, '127.0.0.1:5672', 'sw8 names the broker as the peer');
          const ext = decodeSw8Extension(String(headers['sw8-x']));
          assert.ok(ext?.sendTimestamp !== undefined, 'PRODUCER spans send the sw8-x timestamp');
        }
      } finally {
        await ch.deleteQueue(queue);
        await ch.deleteExchange(exchange);
        await ch.close();
      }
    });

    it('the producer span is a child of the active span; no credentials in any attribute', async () => {
      const ch = await connection.createChannel();
      const queue = uniqueName('parent');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const parent = tracer.startSpan('request');
        context.with(trace.setSpan(context.active(), parent), () => ch.sendToQueue(queue, Buffer.from('x')));
        parent.end();
        const [span] = producerSpans();
        assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
        assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
        const text = JSON.stringify(span.attributes);
        assert.ok(!text.includes('guest'), `no credentials: ${text}`);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('confirm channel: the span ends at the broker ack and the callback runs in the publisher context', async () => {
      const ch = await connection.createConfirmChannel();
      const queue = uniqueName('confirm');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const parent = tracer.startSpan('request');
        let activeInCallback: Span | undefined;
        await new Promise<void>((resolve, reject) => {
          context.with(trace.setSpan(context.active(), parent), () => {
            ch.sendToQueue(queue, Buffer.from('x'), {}, (err) => {
              activeInCallback = trace.getActiveSpan();
              if (err) reject(err);
              else resolve();
            });
          });
          assert.equal(producerSpans().length, 0, 'not ended when publish returns');
        });
        parent.end();
        assert.equal(activeInCallback, parent);
        ch.sendToQueue(queue, Buffer.from('y')); // no callback: still ends at the confirm
        assert.equal(producerSpans().length, 1);
        await ch.waitForConfirms();
        const spans = producerSpans();
        assert.equal(spans.length, 2, 'one span per message, none doubled by super.publish');
        for (const span of spans) assert.equal(span.status.code, SpanStatusCode.UNSET);
        assert.equal(spans[0].parentSpanContext?.spanId, parent.spanContext().spanId);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('confirm channel: a broker nack ends the span with ERROR and reaches the callback', async () => {
      const ch = await connection.createConfirmChannel();
      const queue = uniqueName('nack');
      try {
        await ch.assertQueue(queue, {
          exclusive: true,
          arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
        });
        const results = await Promise.all(
          [0, 1, 2].map(
            (i) =>
              new Promise<Error | null>((resolve) =>
                ch.sendToQueue(queue, Buffer.from(String(i)), {}, (err) => resolve(err ?? null)),
              ),
          ),
        );
        assert.equal(results[0], null);
        assert.ok(results[1] instanceof Error && results[2] instanceof Error, 'the broker nacked the overflow');
        const spans = producerSpans();
        assert.equal(spans.length, 3);
        assert.equal(spans.filter((s) => s.status.code === SpanStatusCode.ERROR).length, 2);
        for (const span of spans.filter((s) => s.status.code === SpanStatusCode.ERROR)) {
          assert.equal(span.attributes['error.type'], 'nack');
        }
        assert.ok(instrumentation.getStats().confirmErrors >= 2);
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('confirm channel: a channel closed before the confirm ends the span with ERROR', async () => {
      const ch = await connection.createConfirmChannel();
      const errors: Error[] = [];
      ch.on('error', (err: Error) => errors.push(err));
      const closed = new Promise((resolve) => ch.once('close', resolve));
      const confirm = new Promise<Error | null>((resolve) =>
        ch.publish(uniqueName('missing-exchange'), 'rk', Buffer.from('x'), {}, (err) => resolve(err ?? null)),
      );
      const err = await confirm;
      await closed;
      assert.ok(err instanceof Error, 'the callback is told');
      assert.equal(errors.length, 1, 'the 404 channel error reached the application');
      const [span] = producerSpans();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes['error.type'], 'channel_closed');
    });

    it('a publish that throws ends its span with ERROR and throws the same error', async () => {
      const ch = await connection.createChannel();
      await ch.close();
      assert.throws(
        () => ch.sendToQueue('anything', Buffer.from('x')),
        (err: Error) => err.name === 'IllegalOperationError',
      );
      const [span] = producerSpans();
      assert.equal(span.status.code, SpanStatusCode.ERROR);
    });

    it('publishHook and publishConfirmHook see the message; a throwing hook breaks nothing', async () => {
      const ch = await connection.createConfirmChannel();
      const queue = uniqueName('hooks');
      const seen: string[] = [];
      try {
        await ch.assertQueue(queue, { exclusive: true });
        await withConfig(
          {
            publishHook: (span, info) => {
              seen.push(`publish ${info.routingKey} ${info.isConfirmChannel} ${info.content.toString()}`);
              span.setAttribute('app.tenant', String(info.options.headers?.tenant));
              throw new Error('hook bug');
            },
            publishConfirmHook: (_span, info) => {
              seen.push(`confirm ${info.routingKey} ${info.confirmError === undefined}`);
              throw new Error('hook bug');
            },
          },
          async () => {
            const before = instrumentation.getStats().hookErrors;
            ch.sendToQueue(queue, Buffer.from('body'), { headers: { tenant: 't1' } });
            await ch.waitForConfirms();
            assert.equal(instrumentation.getStats().hookErrors - before, 2);
          },
        );
        assert.deepEqual(seen, [`publish ${queue} true body`, `confirm ${queue} true`]);
        const [span] = producerSpans();
        assert.equal(span.attributes['app.tenant'], 't1');
        assert.equal((await pollOne(ch, queue)).content.toString(), 'body');
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });
  });

  describe(`producer, callback API (${version.name})`, () => {
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

    it('publish on plain and confirm channels: one span each, confirm span ends at the ack', async () => {
      const ch = await promisify<CallbackApi.ConfirmChannel>((cb) => connection.createConfirmChannel(cb))();
      const plain = await promisify<CallbackApi.Channel>((cb) => connection.createChannel(cb))();
      const queue = uniqueName('cb-prod');
      try {
        await promisify((cb: (err: unknown) => void) => ch.assertQueue(queue, { exclusive: true }, cb))();
        plain.sendToQueue(queue, Buffer.from('plain'), { headers: { a: 1 } });
        assert.equal(producerSpans().length, 1);
        await new Promise<void>((resolve, reject) =>
          ch.publish('', queue, Buffer.from('confirmed'), {}, (err) => (err ? reject(err) : resolve())),
        );
        const spans = producerSpans();
        assert.equal(spans.length, 2);
        assert.ok(spans.every((s) => s.name === `publish ${queue}` && s.kind === SpanKind.PRODUCER));
        const msg = await new Promise<CallbackApi.Message>((resolve, reject) => {
          const poll = (): void => {
            ch.get(queue, { noAck: true }, (err, m) => {
              if (err) reject(err);
              else if (m === false) setTimeout(poll, 5);
              else resolve(m);
            });
          };
          poll();
        });
        assert.equal(msg.properties.headers?.a, 1);
        assert.match(String(msg.properties.headers?.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      } finally {
        await promisify((cb: (err: unknown) => void) => ch.deleteQueue(queue, {}, cb))();
        await promisify((cb: (err: unknown) => void) => plain.close(cb))();
        await promisify((cb: (err: unknown) => void) => ch.close(cb))();
      }
    });
  });
}
