/**
 * Producer and consumer in two processes, joined into one trace: by sw8 alone (a SkyWalking Java
 * agent's headers), by traceparent alone, and by both. The consumer's segments go through the
 * exporter's SkyWalkingSpanProcessor to the project's collector, which checks them against the
 * rules the OAP relies on.
 */
process.env.SW_AGENT_NAME = 'amqp-consumer-service';

import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector, type SegmentObject, type SpanObject } from '@otel-skywalking/collector';
import { ComponentId, MQ_TOPIC_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE, operationName, toOtelSpanId, toOtelTraceId } from '@otel-skywalking/core';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { SkyWalkingSampler } from '@otel-skywalking/sampler';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type * as PromiseApi from 'amqplib';
import { ATTR_SKYWALKING_MQ_TOPIC, ATTR_SKYWALKING_TRANSMISSION_LATENCY } from '../src';
import { BROKER_URL, VERSIONS, instrumentation, provider as unitProvider, uniqueName } from './helpers';

const run = promisify(execFile);
const CONSUMER_SERVICE = 'amqp-consumer-service';
const BROKER = '127.0.0.1:5672';
/** SkyWalking's SpanType and SpanLayer values (protocol enums). */
const ENTRY = 0;
const EXIT = 1;
const LAYER_MQ = 4;

interface ProducerReport {
  traceId: string;
  segmentId?: string;
  spanId?: number;
  requestSpanId?: string;
  producerSpanId?: string;
}

function tag(span: SpanObject, key: string): string | undefined {
  return span.tags?.find((t) => t.key === key)?.value;
}

describe('cross-process traces through the broker', () => {
  const collector = new SkyWalkingCollector();
  const spans = new InMemorySpanExporter();
  let processor: SkyWalkingSpanProcessor;
  let provider: BasicTracerProvider;
  let address = '';

  before(async () => {
    address = (await collector.start()).grpc;
    processor = new SkyWalkingSpanProcessor({
      collector: address,
      scheduledDelayMillis: 50,
      heartbeatIntervalMillis: 0,
    });
    provider = new BasicTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(spans)] });
    instrumentation.setTracerProvider(provider);
  });
  after(async () => {
    instrumentation.setTracerProvider(unitProvider);
    await provider.shutdown();
    await collector.close();
  });

  it("keeps its deprecated attribute names equal to core's", () => {
    assert.equal(ATTR_SKYWALKING_TRANSMISSION_LATENCY, TRANSMISSION_LATENCY_ATTRIBUTE);
    assert.equal(ATTR_SKYWALKING_MQ_TOPIC, MQ_TOPIC_ATTRIBUTE);
  });

  for (const version of VERSIONS) {
    /** Runs the producer process in `mode`, consumes its message here and returns both sides. */
    async function exchange(mode: 'sw8' | 'traceparent' | 'both' | 'unsampled'): Promise<{
      producer: ProducerReport;
      queue: string;
      handlerSpanId: string;
      handlerTraceId: string;
      headers: Record<string, unknown>;
    }> {
      const connection: PromiseApi.ChannelModel = await version.promise.connect(BROKER_URL);
      const ch = await connection.createChannel();
      const queue = uniqueName(`interop-${mode}`);
      try {
        await ch.assertQueue(queue);
        let handlerSpanId = '';
        let handlerTraceId = '';
        let headers: Record<string, unknown> = {};
        const consumed = new Promise<void>((resolve) => {
          void ch.consume(queue, async (msg) => {
            if (msg === null) return;
            headers = msg.properties.headers ?? {};
            await new Promise((r) => setImmediate(r));
            handlerSpanId = trace.getActiveSpan()?.spanContext().spanId ?? '';
            handlerTraceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
            ch.ack(msg);
            resolve();
          });
        });
        const script = join(__dirname, 'fixtures', 'producer-process.js');
        const { stdout } = await run(process.execPath, [script, version.alias, mode, queue, address], {
          timeout: 30_000,
        });
        const producer = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ProducerReport;
        await consumed;
        await processor.forceFlush();
        return { producer, queue, handlerSpanId, handlerTraceId, headers };
      } finally {
        await ch.deleteQueue(queue);
        await ch.close();
        await connection.close();
      }
    }

    /** Runs the producer process in `mode`, consumes its message here and returns both sides. */
    async function roundTrip(mode: 'sw8' | 'traceparent' | 'both'): Promise<{
      producer: ProducerReport;
      consumerSegment: SegmentObject;
      handlerSpanId: string;
    }> {
      const { producer, queue, handlerSpanId } = await exchange(mode);
      const consumerSegment = await collector.waitFor(
          () =>
            collector
              .segments()
              .find(
                (s) =>
                  s.service === CONSUMER_SERVICE &&
                  // the default exchange routes by queue name: the endpoint SkyWalking's agents name
                  s.spans.some((sp) => sp.operationName === `RabbitMQ//${queue}/Consumer` && sp.spanType === ENTRY),
              ),
          10_000,
        );
      return { producer, consumerSegment, handlerSpanId };
    }

    function assertConsumerEntry(segment: SegmentObject): SpanObject {
      const entry = segment.spans[0];
      assert.equal(entry.spanId, 0);
      assert.equal(entry.parentSpanId, -1);
      assert.equal(entry.spanType, ENTRY);
      assert.equal(entry.spanLayer, LAYER_MQ);
      assert.equal(entry.componentId, ComponentId.RABBITMQ_CONSUMER);
      assert.equal(entry.peer, BROKER);
      assert.equal(tag(entry, 'mq.broker'), `amqp://${BROKER}`);
      assert.ok(tag(entry, 'mq.queue') !== undefined, 'mq.queue tag');
      assert.ok(tag(entry, 'mq.topic') !== undefined, 'mq.topic tag');
      return entry;
    }

    describe(version.name, () => {
      it('sw8 only (a Java agent producer): the consumer segment references the Java segment', async () => {
        const { producer, consumerSegment } = await roundTrip('sw8');
        assert.equal(consumerSegment.traceId, producer.traceId, 'the SkyWalking trace id is kept as is');
        const entry = assertConsumerEntry(consumerSegment);
        const ref = entry.refs?.[0];
        assert.ok(ref, 'a CrossProcess ref');
        assert.equal(ref.refType, 0);
        assert.equal(ref.traceId, producer.traceId);
        assert.equal(ref.parentTraceSegmentId, producer.segmentId);
        assert.equal(ref.parentSpanId, 1);
        assert.equal(ref.parentService, 'java-order-service');
        assert.equal(ref.networkAddressUsedAtPeer, BROKER);
        const latency = Number(tag(entry, 'transmission.latency'));
        assert.ok(Number.isInteger(latency) && latency >= 0, `transmission.latency ${String(tag(entry, 'transmission.latency'))}`);

        const otel = spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && operationName(s) === entry.operationName);
        assert.ok(otel);
        assert.equal(otel.spanContext().traceId, toOtelTraceId(producer.traceId));
        assert.equal(otel.parentSpanContext?.spanId, toOtelSpanId(producer.segmentId as string, 1));
        assert.deepEqual(collector.violations({ traceId: producer.traceId, severity: 'error' }), []);
      });

      it('traceparent only: one OpenTelemetry trace, consumer under the producer span', async () => {
        const { producer, consumerSegment, handlerSpanId } = await roundTrip('traceparent');
        assertConsumerEntry(consumerSegment);
        const otel = spans
          .getFinishedSpans()
          .find((s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === producer.traceId);
        assert.ok(otel, 'the consumer span continues the producer trace');
        assert.equal(handlerSpanId, otel.spanContext().spanId);
        const producerSegment = await collector.waitFor(
          () => collector.segments().find((s) => s.traceId === producer.traceId && s.service !== CONSUMER_SERVICE),
          10_000,
        );
        assert.ok(producerSegment.spans.some((s) => s.spanType === EXIT && s.componentId === ComponentId.RABBITMQ_PRODUCER));
        assert.equal(otel.parentSpanContext?.spanId, producer.producerSpanId);
        assert.equal(consumerSegment.traceId, producer.traceId, 'same SkyWalking trace id');
        assert.equal(consumerSegment.spans[0].refs?.length ?? 0, 0, 'no sw8, so no SkyWalking reference');
        assert.deepEqual(collector.violations({ traceId: producer.traceId, severity: 'error' }), []);
      });

      it('traceparent and sw8: one SkyWalking trace tree that passes the collector validation', async () => {
        const { producer, consumerSegment } = await roundTrip('both');
        const entry = assertConsumerEntry(consumerSegment);
        const producerSegment = await collector.waitFor(
          () => collector.segments().find((s) => s.traceId === producer.traceId && s.service !== CONSUMER_SERVICE),
          10_000,
        );
        const exit = producerSegment.spans.find((s) => s.spanType === EXIT);
        assert.ok(exit, 'the producer exit span');
        assert.equal(exit.componentId, ComponentId.RABBITMQ_PRODUCER);
        assert.equal(exit.spanLayer, LAYER_MQ);
        assert.equal(exit.peer, BROKER);
        const ref = entry.refs?.[0];
        assert.ok(ref);
        assert.equal(ref.parentTraceSegmentId, producerSegment.traceSegmentId);
        assert.equal(ref.parentSpanId, exit.spanId);
        assert.equal(ref.networkAddressUsedAtPeer, exit.peer);
        assert.equal(consumerSegment.traceId, producerSegment.traceId);
        const tree = collector.trace(producer.traceId);
        assert.ok(tree);
        assert.equal(tree.roots.length, 1, 'one tree, no fragment');
        assert.deepEqual(tree.missingParents, []);
        assert.deepEqual(collector.violations({ traceId: producer.traceId }), []);
      });

      it('sampling 0 on both sides (SkyWalkingSampler): nothing recorded or sent, the message flows', async () => {
        const unsampled = new BasicTracerProvider({
          sampler: new SkyWalkingSampler({ ratio: 0 }),
          spanProcessors: [processor, new SimpleSpanProcessor(spans)],
        });
        instrumentation.setTracerProvider(unsampled);
        const before = instrumentation.getStats();
        try {
          spans.reset();
          const { producer, queue, handlerTraceId, headers } = await exchange('unsampled');
          assert.match(String(headers.sw8), /^0-/, 'sw8 says not sampled');
          assert.match(String(headers.traceparent), new RegExp(`^00-${producer.traceId}-[0-9a-f]{16}-00$`));
          assert.equal(handlerTraceId, producer.traceId, 'the handler still runs in the (unsampled) trace');
          assert.equal(spans.getFinishedSpans().length, 0);
          assert.equal(instrumentation.getStats().unsettled, before.unsettled);
          assert.equal(instrumentation.getStats().consumeSpans - before.consumeSpans, 1);
          assert.equal(collector.segments().filter((s) => s.traceId === producer.traceId).length, 0);
          assert.equal(collector.segments().filter((s) => s.spans.some((sp) => sp.operationName.includes(queue))).length, 0);
        } finally {
          instrumentation.setTracerProvider(provider);
        }
      });
    });
  }
});
