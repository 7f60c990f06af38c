/**
 * The parent of every command span is the context of the application's call: never what the
 * connection pool, the socket or an earlier operation left behind (open-telemetry/opentelemetry-js-contrib#1688).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, context, trace, type Context, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  createTracing,
  databaseName,
  inSpan,
  instrumentDrivers,
  isMongoSpan,
  newClient,
  parentIdOf,
  type MongoClient,
  type TestDoc,
} from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

const tracing = createTracing();
const drivers = instrumentDrivers(tracing);
const CALLERS = 20;
const DOCS_PER_COLLECTION = 6;
const HANDSHAKE = new Set(['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue']);

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

/** Every MongoDB span on collection `c<i>` or `w<i>` must be a child of `callers[i]`, in its trace. */
function assertParents(spans: readonly ReadableSpan[], callers: readonly Span[]): void {
  for (const span of spans) {
    const collection = String(span.attributes['db.collection.name']);
    const index = Number(/^[cw](\d+)$/.exec(collection)?.[1]);
    const caller = callers[index];
    assert.ok(caller !== undefined, `span ${span.name} names no caller's collection`);
    assert.equal(
      parentIdOf(span),
      caller.spanContext().spanId,
      `${span.name}: parent is ${parentIdOf(span)}, caller ${index} is ${caller.spanContext().spanId}`,
    );
    assert.equal(span.spanContext().traceId, caller.spanContext().traceId);
  }
}

/** Callback-style collection API of driver 4.x (removed in 5.0). */
interface CallbackCollection {
  insertOne(doc: TestDoc, callback: (error?: Error) => void): void;
  findOne(filter: TestDoc, callback: (error?: Error, doc?: TestDoc) => void): void;
  countDocuments(filter: TestDoc, callback: (error?: Error, count?: number) => void): void;
  find(filter: TestDoc, options: { batchSize: number }): { toArray(callback: (error?: Error, docs?: TestDoc[]) => void): void };
}

for (const instrumented of drivers) {
  const { alias, version, major } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    let commandsSent = 0;
    let pendingCheckOuts = 0;
    let mostPendingCheckOuts = 0;
    let connectionsCreated = 0;
    const dbName = databaseName('context', alias);
    const collection = (i: number) => client.db(dbName).collection<TestDoc>(`c${i}`);
    const writes = (i: number) => client.db(dbName).collection<TestDoc>(`w${i}`);

    before(async () => {
      client = newClient(instrumented, server.uri, { maxPoolSize: 2, monitorCommands: true });
      client.on('commandStarted', (event: { commandName: string }) => {
        if (!HANDSHAKE.has(event.commandName)) commandsSent++;
      });
      client.on('connectionCreated', () => connectionsCreated++);
      client.on('connectionCheckOutStarted', () => {
        pendingCheckOuts++;
        mostPendingCheckOuts = Math.max(mostPendingCheckOuts, pendingCheckOuts);
      });
      client.on('connectionCheckedOut', () => pendingCheckOuts--);
      client.on('connectionCheckOutFailed', () => pendingCheckOuts--);
      await client.connect();
      for (const i of range(CALLERS)) {
        await collection(i).deleteMany({});
        await collection(i).insertMany(range(DOCS_PER_COLLECTION).map((id) => ({ _id: id, n: 0 })));
        await writes(i).deleteMany({});
        await writes(i).insertMany(range(DOCS_PER_COLLECTION).map((id) => ({ _id: id, n: 0 })));
      }
      await client.db(dbName).collection<TestDoc>('handover').deleteMany({});
      await client.db(dbName).collection<TestDoc>('handover').insertMany(range(DOCS_PER_COLLECTION).map((id) => ({ _id: id })));
    });
    after(async () => {
      await client.close();
    });

    it(`gives each of ${CALLERS} concurrent callers running 10 operations over 2 connections its own spans`, async () => {
      tracing.exporter.reset();
      commandsSent = 0;
      mostPendingCheckOuts = 0;
      const callers = await Promise.all(
        range(CALLERS).map(async (i) => {
          const { span } = await inSpan(tracing.tracer, `caller-${i}`, async () => {
            // reads and writes on separate collections: jongodb's in-memory store is not safe
            // for a scan racing a write on the same collection (it drops the connection)
            const c = collection(i);
            const w = writes(i);
            await Promise.all([
              w.insertOne({ tag: i }),
              c.find({}, { batchSize: 2 }).toArray(),
              c.findOne({ _id: 1 }),
              w.updateOne({ _id: 2 }, { $inc: { n: 1 } }),
              w.deleteOne({ tag: -1 }),
              w.findOneAndUpdate({ _id: 3 }, { $inc: { n: 1 } }),
              c.aggregate([{ $match: { n: { $gte: 0 } } }], { batchSize: 2 }).toArray(),
              c.countDocuments({}),
              c.distinct('_id'),
              w.insertMany([{ tag: i }, { tag: i }]),
            ]);
          });
          return span;
        }),
      );
      const spans = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
      assert.ok(connectionsCreated <= 2, `pool of 2 (created ${connectionsCreated})`);
      assert.ok(mostPendingCheckOuts > 2, `operations queued for a connection (${mostPendingCheckOuts} waiting at most)`);
      assert.equal(spans.length, commandsSent, 'one span per command sent');
      assert.ok(spans.length >= CALLERS * 10 + CALLERS * 2, `getMore batches traced (${spans.length} spans)`);
      assertParents(spans, callers);
      for (const caller of callers) {
        const children = spans.filter((s) => parentIdOf(s) === caller.spanContext().spanId);
        assert.equal(children.filter((s) => s.attributes['db.operation.name'] !== 'getMore').length, 10);
      }
    });

    it('keeps each cursor batch in the context that asked for it, with cursors interleaved', async () => {
      tracing.exporter.reset();
      const callers = range(4).map((i) => tracing.tracer.startSpan(`cursor-owner-${i}`));
      const contexts: Context[] = callers.map((span) => trace.setSpan(ROOT_CONTEXT, span));
      const cursors = range(4).map((i) => context.with(contexts[i]!, () => collection(i).find({}, { batchSize: 1 })));
      // one batch at a time, round robin, each advanced from its owner's context
      for (let round = 0; round < 3; round++) {
        for (const i of range(4)) {
          const doc = await context.with(contexts[i]!, () => cursors[i]!.next());
          assert.equal(doc?._id, round);
        }
      }
      // then all four at once
      for (let round = 3; round < DOCS_PER_COLLECTION; round++) {
        const docs = await Promise.all(range(4).map((i) => context.with(contexts[i]!, () => cursors[i]!.next())));
        assert.deepEqual(
          docs.map((d) => d?._id),
          [round, round, round, round],
        );
      }
      await Promise.all(range(4).map((i) => context.with(contexts[i]!, () => cursors[i]!.close())));
      for (const span of callers) span.end();

      const spans = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
      const getMores = spans.filter((s) => s.attributes['db.operation.name'] === 'getMore');
      assert.equal(spans.filter((s) => s.attributes['db.operation.name'] === 'find').length, 4);
      assert.ok(getMores.length >= 4 * (DOCS_PER_COLLECTION - 1), `a getMore per batch (${getMores.length})`);
      assertParents(spans, callers);
    });

    it('parents a getMore to where the next batch was asked for, not where the cursor was opened', async () => {
      tracing.exporter.reset();
      const opener = tracing.tracer.startSpan('opener');
      const reader = tracing.tracer.startSpan('reader');
      const cursor = client.db(dbName).collection<TestDoc>('handover').find({}, { batchSize: 2 });
      await context.with(trace.setSpan(ROOT_CONTEXT, opener), () => cursor.next());
      const rest = await context.with(trace.setSpan(ROOT_CONTEXT, reader), () => cursor.toArray());
      opener.end();
      reader.end();
      assert.equal(rest.length, DOCS_PER_COLLECTION - 1);
      const spans = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
      const find = spans.filter((s) => s.attributes['db.operation.name'] === 'find');
      const getMores = spans.filter((s) => s.attributes['db.operation.name'] === 'getMore');
      assert.equal(find.length, 1);
      assert.equal(parentIdOf(find[0]!), opener.spanContext().spanId);
      assert.ok(getMores.length >= 2);
      for (const span of getMores) assert.equal(parentIdOf(span), reader.spanContext().spanId);
    });

    if (major === 4) {
      it('keeps callers apart with the callback API, and calls back in the caller context', async () => {
        tracing.exporter.reset();
        const callbackContextsRight: boolean[] = [];
        const callers = await Promise.all(
          range(CALLERS).map(async (i) => {
            const { span } = await inSpan(tracing.tracer, `callback-caller-${i}`, (parent) => {
              const c = collection(i) as unknown as CallbackCollection;
              const step = (resolve: () => void, reject: (e: Error) => void) => (error?: Error) => {
                callbackContextsRight.push(trace.getActiveSpan() === parent);
                if (error) reject(error);
                else resolve();
              };
              return Promise.all([
                new Promise<void>((resolve, reject) => c.insertOne({ tag: i }, step(resolve, reject))),
                new Promise<void>((resolve, reject) => c.findOne({ _id: 1 }, step(resolve, reject))),
                new Promise<void>((resolve, reject) => c.countDocuments({}, step(resolve, reject))),
                new Promise<void>((resolve, reject) => c.find({}, { batchSize: 2 }).toArray(step(resolve, reject))),
              ]);
            });
            return span;
          }),
        );
        const spans = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
        assert.ok(spans.length >= CALLERS * 4, `${spans.length} spans`);
        assertParents(spans, callers);
        assert.equal(callbackContextsRight.length, CALLERS * 4);
        assert.ok(callbackContextsRight.every(Boolean), 'every callback ran in its caller context');
      });
    }
  });
}
