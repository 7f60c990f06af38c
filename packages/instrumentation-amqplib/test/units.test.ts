/** The pure parts: names, carriers, broker address, the per-channel table, the throttled log. */
import { diag, type Span } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerAttributes, connectTarget, rememberTarget } from '../src/broker-address';
import type { ConsumeEndOperation } from '../src/types';
import { UnsettledDeliveries, type Delivery } from '../src/unsettled-deliveries';
import {
  amqpHeaderGetter,
  consumeDestination,
  consumeNameTarget,
  copyPublishOptions,
  publishDestination,
  publishNameTarget,
  spanName,
} from '../src/utils';
import { AmqplibInstrumentation } from '../src';

describe('destination and span names (semantic conventions, RabbitMQ)', () => {
  it('publish: {exchange}:{routing key}, the non-empty one, or amq.default', () => {
    assert.equal(publishDestination('orders', 'created'), 'orders:created');
    assert.equal(publishDestination('orders', ''), 'orders');
    assert.equal(publishDestination('', 'work'), 'work');
    assert.equal(publishDestination('', ''), 'amq.default');
  });

  it('consume: {exchange}:{routing key}:{queue}, empty parts left out, routing key = queue once', () => {
    assert.equal(consumeDestination('orders', 'created', 'billing'), 'orders:created:billing');
    assert.equal(consumeDestination('', 'work', 'work'), 'work');
    assert.equal(consumeDestination('logs', '', 'audit'), 'logs:audit');
    assert.equal(consumeDestination('logs', 'audit', 'audit'), 'logs:audit');
    assert.equal(consumeDestination('', 'rk', 'q'), 'rk:q');
    assert.equal(consumeDestination('', '', ''), 'amq.default');
  });

  it('span names stay low-cardinality: no routing keys of named exchanges, no server-named queues', () => {
    assert.equal(spanName('publish', publishNameTarget('orders', 'order.123')), 'publish orders');
    assert.equal(spanName('publish', publishNameTarget('', 'work')), 'publish work');
    assert.equal(spanName('publish', publishNameTarget('', 'amq.gen-Jz9')), 'publish');
    assert.equal(spanName('process', consumeNameTarget('logs', 'amq.gen-Jz9')), 'process logs');
    assert.equal(spanName('process', consumeNameTarget('', 'amq.gen-Jz9')), 'process');
    assert.equal(spanName('process', consumeNameTarget('logs', 'audit')), 'process audit');
  });
});

describe('header carriers', () => {
  it("copyPublishOptions copies the options and the headers, never touching the caller's", () => {
    const headers = { a: 1 };
    const options = { persistent: true, headers };
    const copy = copyPublishOptions(options);
    copy.headers!.traceparent = 'x';
    assert.deepEqual(options, { persistent: true, headers: { a: 1 } });
    assert.equal(copy.persistent, true);
    assert.notEqual(copy.headers, headers);
    assert.deepEqual(copyPublishOptions(undefined), { headers: {} });
    assert.deepEqual(copyPublishOptions({ headers: null }), { headers: {} });
  });

  it('copyPublishOptions keeps a class instance usable (its prototype is kept)', () => {
    class Options {
      priority = 5;
      get contentType(): string {
        return 'application/json';
      }
    }
    const copy = copyPublishOptions(new Options()) as unknown as Options;
    assert.equal(copy.priority, 5);
    assert.equal(copy.contentType, 'application/json');
  });

  it('amqpHeaderGetter reads strings, byte strings and arrays; ignores other types and huge values', () => {
    const carrier: Record<string, unknown> = {
      s: 'text',
      b: Buffer.from('bytes'),
      a: ['one', Buffer.from('two'), 3],
      n: 42,
      big: Buffer.alloc(10_000),
    };
    assert.equal(amqpHeaderGetter.get(carrier, 's'), 'text');
    assert.equal(amqpHeaderGetter.get(carrier, 'b'), 'bytes');
    assert.deepEqual(amqpHeaderGetter.get(carrier, 'a'), ['one', 'two']);
    assert.equal(amqpHeaderGetter.get(carrier, 'n'), undefined);
    assert.equal(amqpHeaderGetter.get(carrier, 'big'), undefined);
    assert.equal(amqpHeaderGetter.get(carrier, 'missing'), undefined);
    assert.deepEqual(amqpHeaderGetter.keys(carrier), ['s', 'b', 'a', 'n', 'big']);
  });
});

describe('broker address', () => {
  it('connectTarget reads host and port the way amqplib does, and nothing else', () => {
    assert.deepEqual(connectTarget('amqp://user:secret@rabbit.internal:5673/vhost?heartbeat=10'), {
      host: 'rabbit.internal',
      port: 5673,
    });
    assert.deepEqual(connectTarget('amqps://rabbit.internal'), { host: 'rabbit.internal', port: 5671 });
    assert.deepEqual(connectTarget('amqp://[::1]:5672'), { host: '::1', port: 5672 });
    assert.deepEqual(connectTarget(undefined), { host: 'localhost', port: 5672 });
    assert.deepEqual(connectTarget({ protocol: 'amqps', hostname: 'mq', username: 'u', password: 'p' }), {
      host: 'mq',
      port: 5671,
    });
    assert.deepEqual(connectTarget({ hostname: 'mq', port: 1234 }), { host: 'mq', port: 1234 });
    assert.equal(connectTarget('not a url'), undefined);
  });

  it('brokerAttributes: server.* from connect, network.peer.* only when the socket says more', () => {
    const connection = { stream: { remoteAddress: '10.0.0.5', remotePort: 5672 } };
    rememberTarget(connection, { host: 'rabbit.internal', port: 5672 });
    assert.deepEqual(brokerAttributes({ connection }), {
      'server.address': 'rabbit.internal',
      'server.port': 5672,
      'network.peer.address': '10.0.0.5',
      'network.peer.port': 5672,
    });
    const byIp = { stream: { remoteAddress: '127.0.0.1', remotePort: 5672 } };
    assert.deepEqual(brokerAttributes({ connection: byIp }), { 'server.address': '127.0.0.1', 'server.port': 5672 });
    assert.deepEqual(brokerAttributes({}), {});
    assert.deepEqual(brokerAttributes(null), {});
  });
});

function fakeDelivery(tag: number, autoAck = false): Delivery {
  return {
    span: {} as Span,
    msg: { fields: { deliveryTag: tag, exchange: '', routingKey: 'q' }, properties: {}, content: Buffer.alloc(0) },
    queue: 'q',
    moduleVersion: 'test',
    startedAt: performance.now(),
    autoAck,
  };
}

describe('UnsettledDeliveries', () => {
  function table(timeoutMs = 60_000, max = 100): { deliveries: UnsettledDeliveries; ended: [number, ConsumeEndOperation][] } {
    const ended: [number, ConsumeEndOperation][] = [];
    const deliveries = new UnsettledDeliveries((d, op) => ended.push([d.msg.fields.deliveryTag, op]), timeoutMs, max);
    return { deliveries, ended };
  }

  it('settles one tag, everything up to a tag, or all; leaves noAck entries to their handler', () => {
    const { deliveries, ended } = table();
    for (let tag = 1; tag <= 6; tag++) deliveries.add(tag, fakeDelivery(tag, tag === 2));
    deliveries.settle(4, false, 'reject', false);
    deliveries.settle(3, true, 'ack', undefined);
    deliveries.settle(99, false, 'ack', undefined);
    deliveries.settleAll('nackAll', true, undefined);
    assert.deepEqual(ended, [
      [4, 'reject'],
      [1, 'ack'],
      [3, 'ack'],
      [5, 'nackAll'],
      [6, 'nackAll'],
    ]);
    assert.equal(deliveries.size, 1, 'the noAck delivery waits for its handler');
  });

  it('holds at most maxEntries: the oldest is evicted first', () => {
    const { deliveries, ended } = table(60_000, 3);
    for (let tag = 1; tag <= 5; tag++) deliveries.add(tag, fakeDelivery(tag));
    assert.equal(deliveries.size, 3);
    assert.deepEqual(ended, [
      [1, 'evicted'],
      [2, 'evicted'],
    ]);
  });

  it('matches a plain list under any mix of adds, out-of-order settlements, takes and settleAll', () => {
    // A reference model (a sorted list) and the table get the same pseudo-random operations.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const { deliveries, ended } = table(60_000, 50);
      const expected: [number, ConsumeEndOperation][] = [];
      let model: Delivery[] = [];
      const endInModel = (d: Delivery, op: ConsumeEndOperation): void => {
        model = model.filter((m) => m !== d);
        expected.push([d.msg.fields.deliveryTag, op]);
      };
      let nextTag = 1;
      for (let step = 0; step < 2_000; step++) {
        const choice = random(100);
        if (choice < 45) {
          const delivery = fakeDelivery(nextTag++, random(10) === 0);
          if (model.length >= 50) endInModel(model[0], 'evicted');
          model.push(delivery);
          deliveries.add(delivery.msg.fields.deliveryTag, delivery);
        } else if (choice < 80) {
          const tag = 1 + random(nextTag + 2);
          const d = model.find((m) => m.msg.fields.deliveryTag === tag);
          if (d !== undefined && !d.autoAck) endInModel(d, 'ack');
          deliveries.settle(tag, false, 'ack', undefined);
        } else if (choice < 90) {
          const tag = 1 + random(nextTag);
          for (const d of model.filter((m) => m.msg.fields.deliveryTag <= tag && !m.autoAck)) endInModel(d, 'nack');
          deliveries.settle(tag, true, 'nack', true);
        } else if (choice < 98) {
          const d = model.filter((m) => m.autoAck)[0];
          if (d !== undefined) {
            model = model.filter((m) => m !== d);
            assert.equal(deliveries.take(d.msg.fields.deliveryTag, d), true);
            assert.equal(deliveries.take(d.msg.fields.deliveryTag, d), false, 'taken once');
          }
        } else {
          for (const d of model.filter((m) => !m.autoAck)) endInModel(d, 'ackAll');
          deliveries.settleAll('ackAll', undefined, undefined);
        }
        assert.equal(deliveries.size, model.length, `round ${round}, step ${step}`);
      }
      assert.deepEqual(ended, expected, `round ${round}`);
      assert.ok(deliveries.capacity <= Math.max(16, 2 * 2 * 50), `capacity ${deliveries.capacity}`);
    }
  });

  it('a message never settled keeps the arrays small while later ones are settled around it', () => {
    const { deliveries, ended } = table();
    deliveries.add(1, fakeDelivery(1));
    for (let tag = 2; tag <= 100_000; tag++) {
      deliveries.add(tag, fakeDelivery(tag));
      deliveries.settle(tag, false, 'ack', undefined);
    }
    assert.equal(deliveries.size, 1);
    assert.equal(ended.length, 99_999);
    assert.ok(deliveries.capacity <= 16, `capacity ${deliveries.capacity}`);
    deliveries.settle(1, false, 'ack', undefined);
    assert.equal(deliveries.size, 0);
    assert.equal(ended.length, 100_000);
  });

  it('a tag that does not grow evicts the entries at and above it, oldest first', () => {
    const { deliveries, ended } = table();
    for (let tag = 1; tag <= 5; tag++) deliveries.add(tag, fakeDelivery(tag));
    const again = fakeDelivery(3);
    deliveries.add(3, again);
    assert.deepEqual(ended, [
      [3, 'evicted'],
      [4, 'evicted'],
      [5, 'evicted'],
    ]);
    assert.equal(deliveries.size, 3);
    assert.equal(deliveries.take(3, again), true);
  });

  it('an end that settles other messages of the channel (a hook acking) ends each delivery once', () => {
    const ended: number[] = [];
    const deliveries: UnsettledDeliveries = new UnsettledDeliveries(
      (d) => {
        const tag = d.msg.fields.deliveryTag;
        ended.push(tag);
        // settles the next odd tag from inside the end of an even one
        if (tag % 2 === 0) deliveries.settle(tag + 3, false, 'ack', undefined);
      },
      60_000,
      100,
    );
    for (let tag = 1; tag <= 40; tag++) deliveries.add(tag, fakeDelivery(tag));
    deliveries.settle(20, true, 'ack', undefined);
    deliveries.settleAll('nackAll', true, undefined);
    assert.equal(deliveries.size, 0);
    assert.deepEqual(
      [...ended].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('ends what is older than the timeout, with one timer for the table', async () => {
    const { deliveries, ended } = table(30);
    for (let tag = 1; tag <= 20; tag++) deliveries.add(tag, fakeDelivery(tag));
    const deadline = Date.now() + 5_000;
    while (deliveries.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(deliveries.size, 0);
    assert.equal(ended.length, 20);
    assert.ok(ended.every(([, op]) => op === 'timeout'));
  });
});

describe('options', () => {
  it('invalid numbers are reported through diag and replaced by the defaults', () => {
    const warnings: string[] = [];
    diag.setLogger({
      warn: (m: string) => warnings.push(m),
      error: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    });
    try {
      const instrumentation = new AmqplibInstrumentation({ enabled: false, consumeTimeoutMs: -5, maxUnsettledPerChannel: 1.5 });
      assert.equal(instrumentation.isEnabled(), false);
      assert.equal(warnings.filter((w) => w.includes('consumeTimeoutMs')).length, 1);
      assert.equal(warnings.filter((w) => w.includes('maxUnsettledPerChannel')).length, 1);
    } finally {
      diag.disable();
    }
  });
});
