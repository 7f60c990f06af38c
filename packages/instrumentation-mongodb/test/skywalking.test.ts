/**
 * End to end through real sockets: the driver against jongodb, spans through SkyWalkingSpanProcessor
 * over gRPC into the project's SkyWalkingCollector, which checks the rules the OAP relies on.
 * MongoDB commands arrive as Exit / Database / MongoDB (9) spans under the request's entry span,
 * with the database as peer, tags db.type / db.instance / db.statement, and zero violations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { ComponentId, SwTag } from '@otel-skywalking/core';
import { SpanLayer, SpanType, type SegmentObject, type SpanObject } from '@otel-skywalking/core/protocol';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { databaseName, instrumentDrivers, newClient, useAsyncContext, type MongoClient, type TestDoc } from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

useAsyncContext();
const collector = new SkyWalkingCollector();
let processor: SkyWalkingSpanProcessor;
let provider: BasicTracerProvider;
// the processor needs the collector's address, known after start(): providers are set in before()
const drivers = instrumentDrivers(undefined);

let server: MongoServer;
before(async () => {
  const [mongo, addresses] = await Promise.all([startMongoServer(), collector.start()]);
  server = mongo;
  processor = new SkyWalkingSpanProcessor({ collector: addresses.grpc, scheduledDelayMillis: 20, heartbeatIntervalMillis: 0 });
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders', 'service.instance.id': 'orders-1' }),
    spanProcessors: [processor],
  });
  for (const { instrumentation } of drivers) instrumentation.setTracerProvider(provider);
});
after(async () => {
  await processor.shutdown();
  await collector.close();
  await server.stop();
});

function tag(span: SpanObject, key: string): string | undefined {
  return span.tags.find((t) => t.key === key)?.value;
}

for (const instrumented of drivers) {
  const { alias, version } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    const dbName = databaseName('skywalking', alias);

    before(async () => {
      client = newClient(instrumented, server.uri);
      await client.connect();
      await client.db(dbName).collection('orders').deleteMany({});
    });
    after(async () => {
      await client.close();
    });

    it('arrives as Exit / Database / MongoDB spans under the entry span, with peer and db tags, without violations', async () => {
      const orders = client.db(dbName).collection<TestDoc>('orders');
      const tracer = provider.getTracer('@opentelemetry/instrumentation-http');
      const traceId = await tracer.startActiveSpan(
        'GET',
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'url.path': `/orders/${alias}`, 'http.response.status_code': 200 },
        },
        async (entry) => {
          await orders.insertMany([{ _id: 1, sku: 'secret-sku' }, { _id: 2 }, { _id: 3 }]);
          await orders.find({ sku: 'secret-sku' }, { batchSize: 1 }).toArray();
          await orders.find({}, { batchSize: 1 }).toArray();
          await assert.rejects(orders.insertOne({ _id: 1 }));
          const session = client.startSession();
          try {
            await session.withTransaction(async () => {
              await orders.updateOne({ _id: 2 }, { $set: { paid: true } }, { session });
            });
          } finally {
            await session.endSession();
          }
          entry.end();
          return entry.spanContext().traceId;
        },
      );
      await processor.forceFlush();
      const segment = await collector.waitFor((c) =>
        c.segments().find((s: SegmentObject) => s.traceId === traceId && s.spans.some((span) => span.spanType === SpanType.Entry)),
      );

      assert.deepEqual(collector.violations({ traceId }), []);
      assert.equal(segment.service, 'orders');
      const entry = segment.spans.find((s) => s.spanType === SpanType.Entry)!;
      assert.equal(entry.operationName, 'GET:/orders/:id');
      const exits = segment.spans.filter((s) => s.spanType === SpanType.Exit);
      const names = exits.map((s) => s.operationName).sort();
      assert.ok(names.includes('getMore orders') && names.includes('commitTransaction admin'), names.join(', '));
      assert.equal(exits.length, segment.spans.length - 1, 'every other span is a MongoDB exit');
      for (const exit of exits) {
        assert.equal(exit.parentSpanId, entry.spanId, `${exit.operationName} parent`);
        assert.equal(exit.spanLayer, SpanLayer.Database);
        assert.equal(exit.componentId, ComponentId.MONGODB);
        assert.equal(exit.peer, `${server.host}:${server.port}`);
        assert.equal(tag(exit, SwTag.DB_TYPE), 'MongoDB');
        const statement = tag(exit, SwTag.DB_STATEMENT);
        assert.ok(statement !== undefined && !statement.includes('secret-sku'), `${exit.operationName}: ${statement}`);
        if (exit.operationName === 'commitTransaction admin') assert.equal(tag(exit, SwTag.DB_INSTANCE), 'admin');
        else assert.equal(tag(exit, SwTag.DB_INSTANCE), dbName);
      }
      const failed = exits.filter((s) => s.isError);
      assert.deepEqual(failed.map((s) => s.operationName), ['insert orders']);
      assert.ok(failed[0]!.logs.length > 0, 'the duplicate key is logged on the span');
      assert.match(JSON.stringify(failed[0]!.logs), /E11000|duplicate/i);

      const edge = collector.topology().find((e) => e.source === 'orders' && e.target === `${server.host}:${server.port}`);
      assert.ok(edge !== undefined, JSON.stringify(collector.topology()));
      assert.equal(edge.targetLayer, 'VIRTUAL_DATABASE');
      assert.deepEqual(edge.sourceComponents, ['MongoDB']);
    });
  });
}
