// Messaging and RPC through OpenTelemetry's contrib instrumentations: amqplib against the real
// RabbitMQ, grpc-js client and server, and kafkajs span shapes (no Kafka broker can run here: the
// spans are built in-process as @opentelemetry/instrumentation-kafkajs builds them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { ComponentId } from '@otel-skywalking/core';
import { SpanLayer } from '@otel-skywalking/core/protocol';
import { distinct, entries, exits, runWorkload, segmentsOf, serviceName, spansOf, tagOf, violationsOf } from './workloads';

const WORKLOADS = ['amqplib', 'kafkajs', 'grpc'] as const;

describe('messaging and RPC map as SkyWalking agents report them', () => {
  const collector = new SkyWalkingCollector();

  before(async () => {
    const { grpc } = await collector.start();
    await Promise.all(WORKLOADS.map((w) => runWorkload(collector, grpc, w, serviceName(w))));
  });

  after(() => collector.close());

  it('amqplib: consumers of server-named queues make one endpoint, from exchange and routing key', () => {
    const service = serviceName('amqplib');
    const spans = spansOf(collector, service);
    const consumers = entries(spans);
    assert.equal(consumers.length, 6, 'three messages, two exclusive amq.gen queues');
    const [endpoint, ...others] = distinct(consumers.map((c) => c.operationName));
    assert.deepEqual(others, [], 'one endpoint however many queues');
    assert.match(endpoint, /^RabbitMQ\/contrib\.fanout\.[\w.]+\/orders\.created\/Consumer$/);
    assert.ok(!endpoint.includes('amq.gen'));
    for (const consumer of consumers) {
      assert.equal(consumer.componentId, ComponentId.RABBITMQ_CONSUMER);
      assert.equal(consumer.spanLayer, SpanLayer.MQ);
      assert.equal(consumer.peer, '127.0.0.1:5672');
      assert.equal(tagOf(consumer, 'mq.queue'), 'orders.created');
      assert.equal(consumer.refs.length, 1, 'linked to the producer through sw8');
    }
    for (const producer of exits(spans)) {
      assert.equal(producer.componentId, ComponentId.RABBITMQ_PRODUCER);
      assert.equal(producer.peer, '127.0.0.1:5672');
      assert.equal(tagOf(producer, 'mq.broker'), 'amqp://127.0.0.1:5672');
    }
    assert.deepEqual(violationsOf(collector, service), []);
  });

  it('kafkajs: consumer endpoints are Kafka/<topic>/Consumer/<group>, one per topic and group', () => {
    const service = serviceName('kafkajs');
    const spans = spansOf(collector, service);
    assert.deepEqual(distinct(entries(spans).map((s) => s.operationName)), ['Kafka/orders/Consumer/billing']);
    assert.ok(entries(spans).every((s) => s.componentId === ComponentId.KAFKA_CONSUMER && s.spanLayer === SpanLayer.MQ && s.refs.length === 1));
    assert.ok(exits(spans).every((s) => s.componentId === ComponentId.KAFKA_PRODUCER && s.peer === 'kafka-1.internal:9092'));
    assert.ok(spans.every((s) => tagOf(s, 'mq.topic') === 'orders'));
    assert.deepEqual(violationsOf(collector, service), []);
  });

  it('grpc: GRPC (23) entries and exits, rpc.status_code, errors from the status', () => {
    const service = serviceName('grpc');
    const spans = spansOf(collector, service);
    assert.deepEqual(distinct(entries(spans).map((s) => s.operationName)), ['grpc.contrib.Greeter/Fail', 'grpc.contrib.Greeter/Greet']);
    for (const span of [...entries(spans), ...exits(spans)]) {
      assert.equal(span.componentId, ComponentId.GRPC);
      assert.equal(span.spanLayer, SpanLayer.RPCFramework);
      const failed = span.operationName.endsWith('/Fail');
      assert.equal(tagOf(span, 'rpc.status_code'), failed ? '5' : '0');
      assert.equal(span.isError, failed);
    }
    assert.ok(exits(spans).every((s) => /^127\.0\.0\.1:\d+$/.test(s.peer)));
    assert.ok(entries(spans).every((s) => s.refs.length === 1), 'server segments reference the client exits');
    assert.equal(segmentsOf(collector, service).length, 6);
    assert.deepEqual(violationsOf(collector, service), []);
  });
});
