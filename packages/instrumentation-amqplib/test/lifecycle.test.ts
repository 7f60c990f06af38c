import { SpanKind, context, trace, type Attributes } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type * as PromiseApi from 'amqplib';
import {
  BROKER_URL,
  VERSIONS,
  exporter,
  finishedSpans,
  instrumentation,
  provider,
  tracer,
  uniqueName,
  waitFor,
} from './helpers';

const run = promisify(execFile);

/** The model file of an installed amqplib, by path (amqplib 2's exports map hides lib/). */
function channelModel(alias: string): { Channel: { prototype: Record<string, unknown> } } {
  return require(join(dirname(require.resolve(alias)), 'lib', 'channel_model.js')) as {
    Channel: { prototype: Record<string, unknown> };
  };
}

for (const version of VERSIONS) {
  describe(`lifecycle (${version.name})`, () => {
    let connection: PromiseApi.ChannelModel;

    before(async () => {
      connection = await version.promise.connect(BROKER_URL);
    });
    after(async () => {
      await connection.close();
    });
    beforeEach(() => exporter.reset());

    it('sampling 0: nothing is recorded, messages flow, the context still propagates (sampled=0)', async () => {
      const offExporter = new InMemorySpanExporter();
      const offProvider = new BasicTracerProvider({
        sampler: new AlwaysOffSampler(),
        spanProcessors: [new SimpleSpanProcessor(offExporter)],
      });
      instrumentation.setTracerProvider(offProvider);
      const ch = await connection.createConfirmChannel();
      const queue = uniqueName('unsampled');
      const headers: Record<string, unknown>[] = [];
      const spanInHandler: boolean[] = [];
      const before = instrumentation.getStats();
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const done = new Promise<void>((resolve) => {
          void ch.consume(queue, async (msg) => {
            if (msg === null) return;
            headers.push(msg.properties.headers ?? {});
            // checked after the deliveries: an assertion thrown here would only leave the message unacked
            spanInHandler.push(trace.getActiveSpan() !== undefined);
            await new Promise((r) => setImmediate(r));
            ch.ack(msg);
            if (headers.length === 5) resolve();
          });
        });
        for (let i = 0; i < 5; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
        await ch.waitForConfirms();
        await done;
        assert.deepEqual(spanInHandler, [true, true, true, true, true], 'the handler still runs in a (non-recording) span');
        assert.equal(offExporter.getFinishedSpans().length, 0);
        assert.equal(exporter.getFinishedSpans().length, 0);
        for (const h of headers) {
          assert.match(String(h.traceparent), /-00$/);
          assert.match(String(h.sw8), /^0-/);
        }
        const stats = instrumentation.getStats();
        assert.equal(stats.unsettled, before.unsettled, 'unrecorded spans are not tracked');
        assert.equal(stats.consumeSpans - before.consumeSpans, 5);
      } finally {
        instrumentation.setTracerProvider(provider);
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it("the sampler sees the conventions' sampling-relevant attributes; recorded spans get the rest too", async () => {
      const seen: Array<{ kind: SpanKind; attributes: Attributes }> = [];
      const recordEverything: Sampler = {
        shouldSample: (_context, _traceId, _name, kind, attributes) => {
          seen.push({ kind, attributes: { ...attributes } });
          return { decision: SamplingDecision.RECORD_AND_SAMPLED };
        },
        toString: () => 'recordEverything',
      };
      const ownExporter = new InMemorySpanExporter();
      instrumentation.setTracerProvider(
        new BasicTracerProvider({ sampler: recordEverything, spanProcessors: [new SimpleSpanProcessor(ownExporter)] }),
      );
      const ch = await connection.createConfirmChannel();
      const queue = uniqueName('sampling-attrs');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        const consumed = new Promise<void>((resolve) => {
          void ch.consume(queue, (msg) => {
            if (msg === null) return;
            ch.ack(msg);
            resolve();
          });
        });
        ch.sendToQueue(queue, Buffer.from('x'), { messageId: 'm-1', correlationId: 'c-1' });
        await ch.waitForConfirms();
        await consumed;
        await waitFor(() => ownExporter.getFinishedSpans().length === 2, 'the producer and consumer spans');
        const relevant = ['messaging.system', 'messaging.operation.type', 'messaging.operation.name', 'messaging.destination.name', 'server.address', 'server.port'];
        const late = ['messaging.rabbitmq.destination.routing_key', 'messaging.message.id', 'messaging.message.conversation_id', 'skywalking.mq.topic'];
        for (const kind of [SpanKind.PRODUCER, SpanKind.CONSUMER]) {
          const sampled = seen.find((entry) => entry.kind === kind);
          assert.ok(sampled, `the sampler was asked for the ${SpanKind[kind]} span`);
          for (const key of relevant) assert.notEqual(sampled.attributes[key], undefined, `${SpanKind[kind]} sampler sees ${key}`);
          for (const key of late) assert.equal(sampled.attributes[key], undefined, `${key} is set after the decision`);
          const span = ownExporter.getFinishedSpans().find((s) => s.kind === kind)!;
          for (const key of [...relevant, ...late]) assert.notEqual(span.attributes[key], undefined, `${SpanKind[kind]} span has ${key}`);
        }
        const consumerSeen = seen.find((entry) => entry.kind === SpanKind.CONSUMER)!;
        assert.equal(consumerSeen.attributes['messaging.destination.subscription.name'], queue);
        const consumer = ownExporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER)!;
        assert.equal(consumer.attributes['messaging.rabbitmq.message.delivery_tag'], 1);
        assert.equal(consumer.attributes['messaging.message.id'], 'm-1');
        assert.equal(consumer.attributes['messaging.message.conversation_id'], 'c-1');
      } finally {
        instrumentation.setTracerProvider(provider);
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('disable() restores amqplib and enable() puts the instrumentation back', async () => {
      const proto = channelModel(version.alias).Channel.prototype;
      assert.ok(isWrapped(proto.publish) && isWrapped(proto.consume) && isWrapped(proto.ack));
      const ch = await connection.createChannel();
      const queue = uniqueName('disable');
      try {
        await ch.assertQueue(queue, { exclusive: true });
        instrumentation.disable();
        assert.ok(!isWrapped(proto.publish) && !isWrapped(proto.consume) && !isWrapped(proto.emit));
        ch.sendToQueue(queue, Buffer.from('x'));
        assert.equal(finishedSpans().length, 0);
        instrumentation.enable();
        assert.ok(isWrapped(proto.publish));
        ch.sendToQueue(queue, Buffer.from('y'));
        assert.equal(finishedSpans(SpanKind.PRODUCER).length, 1);
      } finally {
        instrumentation.enable();
        await ch.deleteQueue(queue);
        await ch.close();
      }
    });

    it('a nested publish from a handler continues the trace', async () => {
      const ch = await connection.createChannel();
      const inbox = uniqueName('inbox');
      const outbox = uniqueName('outbox');
      try {
        await ch.assertQueue(inbox, { exclusive: true });
        await ch.assertQueue(outbox, { exclusive: true });
        const forwarded = new Promise<void>((resolve) => {
          void ch.consume(inbox, async (msg) => {
            if (msg === null) return;
            await new Promise((r) => setTimeout(r, 1));
            ch.sendToQueue(outbox, msg.content);
            ch.ack(msg);
            resolve();
          });
        });
        const root = tracer.startSpan('root');
        context.with(trace.setSpan(context.active(), root), () => ch.sendToQueue(inbox, Buffer.from('x')));
        root.end();
        await forwarded;
        await waitFor(() => finishedSpans(SpanKind.PRODUCER).length === 2, 'the nested publish');
        const consumer = finishedSpans(SpanKind.CONSUMER)[0];
        const nested = finishedSpans(SpanKind.PRODUCER).find((s) => s.name === `publish ${outbox}`);
        assert.ok(nested);
        assert.equal(nested.parentSpanContext?.spanId, consumer.spanContext().spanId);
        assert.equal(nested.spanContext().traceId, root.spanContext().traceId);
      } finally {
        await ch.deleteQueue(inbox);
        await ch.deleteQueue(outbox);
        await ch.close();
      }
    });

    for (const mode of ['ack', 'noAck'] as const) {
      it(`an async handler's rejection still reaches unhandledRejection unchanged (${mode})`, async () => {
        const script = join(__dirname, 'fixtures', 'rejecting-consumer.js');
        const { stdout } = await run(process.execPath, [script, version.alias, mode], { timeout: 30_000 });
        const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
        assert.deepEqual(result, { rejections: 1, sameError: true, spanStatus: 'error', exceptionEvents: 1 });
      });
    }
  });
}
