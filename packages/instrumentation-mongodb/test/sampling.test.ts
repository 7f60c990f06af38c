/**
 * Under a not-sampled parent, concurrent operations neither fail nor record (where SkyWalking's Go
 * agent failed with "span type is wrong", apache/skywalking#12079), and sampled callers next to
 * them keep their spans.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, context, trace, type Context } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import {
  createTracing,
  databaseName,
  instrumentDrivers,
  isMongoSpan,
  newClient,
  parentIdOf,
  type MongoClient,
  type TestDoc,
} from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

const parentBased = createTracing(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
const alwaysOff = createTracing(new AlwaysOffSampler());
const drivers = instrumentDrivers(parentBased);
const CALLERS = 20;

let server: MongoServer;
before(async () => {
  server = await startMongoServer();
});
after(async () => {
  await server.stop();
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A remote parent as an extracted header would give it: sampled or not. */
function remoteParent(i: number, sampled: boolean): Context {
  const hex = (i + 1).toString(16).padStart(2, '0');
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: `${hex}`.repeat(16),
    spanId: `${hex}`.repeat(8),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** Ten operations of one caller, cursors with several batches included. */
async function work(client: MongoClient, dbName: string, i: number): Promise<number> {
  const c = client.db(dbName).collection<TestDoc>(`s${i}`);
  // writes go elsewhere while c is read: jongodb drops the connection when a scan races a write
  const w = client.db(dbName).collection<TestDoc>(`s${i}w`);
  await c.deleteMany({});
  await c.insertMany(range(5).map((id) => ({ _id: id, caller: i })));
  const [all, one, count] = await Promise.all([
    c.find({}, { batchSize: 2 }).toArray(),
    c.findOne({ _id: 3 }),
    c.countDocuments({ caller: i }),
    w.updateOne({ _id: 1 }, { $set: { seen: true } }, { upsert: true }),
    c.aggregate([{ $match: { caller: i } }], { batchSize: 1 }).toArray(),
    c.distinct('_id'),
    w.findOneAndUpdate({ _id: 2 }, { $set: { seen: true } }),
    w.deleteOne({ _id: 99 }),
  ]);
  assert.equal(all.length, 5);
  assert.equal(one?._id, 3);
  assert.equal(count, 5);
  return all.length;
}

for (const instrumented of drivers) {
  const { alias, version, instrumentation } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    const dbName = databaseName('sampling', alias);

    before(async () => {
      client = newClient(instrumented, server.uri, { maxPoolSize: 2 });
      await client.connect();
    });
    after(async () => {
      instrumentation.setTracerProvider(parentBased.provider);
      await client.close();
    });

    it('records nothing and breaks nothing under not-sampled parents', async () => {
      parentBased.exporter.reset();
      const before = instrumentation.getStats();
      const results = await Promise.all(
        range(CALLERS).map((i) => context.with(remoteParent(i, false), () => work(client, dbName, i))),
      );
      assert.deepEqual(results, range(CALLERS).map(() => 5));
      assert.equal(parentBased.exporter.getFinishedSpans().length, 0);
      const stats = instrumentation.getStats();
      assert.ok(stats.commandSpans - before.commandSpans >= CALLERS * 10, 'commands went through the tracer');
      assert.equal(stats.failedCommands, before.failedCommands);
      assert.equal(stats.internalErrors, 0);
    });

    it('keeps sampled callers whole when they run among not-sampled ones', async () => {
      parentBased.exporter.reset();
      await Promise.all(
        range(CALLERS).map((i) => context.with(remoteParent(i, i % 2 === 0), () => work(client, dbName, i))),
      );
      const spans = parentBased.exporter.getFinishedSpans().filter(isMongoSpan);
      assert.ok(spans.length >= (CALLERS / 2) * 10, `${spans.length} spans`);
      for (const span of spans) {
        const i = Number(/^s(\d+)w?$/.exec(String(span.attributes['db.collection.name']))?.[1]);
        assert.equal(i % 2, 0, `span of not-sampled caller ${i} recorded`);
        const parent = trace.getSpanContext(remoteParent(i, true))!;
        assert.equal(span.spanContext().traceId, parent.traceId);
        assert.equal(parentIdOf(span), parent.spanId);
      }
    });

    it('records nothing and breaks nothing with AlwaysOffSampler', async () => {
      instrumentation.setTracerProvider(alwaysOff.provider);
      try {
        const results = await Promise.all(range(CALLERS).map((i) => work(client, dbName, i)));
        assert.deepEqual(results, range(CALLERS).map(() => 5));
        assert.equal(alwaysOff.exporter.getFinishedSpans().length, 0);
        assert.equal(instrumentation.getStats().internalErrors, 0);
      } finally {
        instrumentation.setTracerProvider(parentBased.provider);
      }
    });
  });
}
