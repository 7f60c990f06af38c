/**
 * One CLIENT span per command the application causes, compared with the driver's own command
 * monitoring; the stable database attributes; handshakes and heartbeats untraced; transactions.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  createTracing,
  databaseName,
  inSpan,
  instrumentDrivers,
  isMongoSpan,
  mongoSpansOf,
  newClient,
  operationNames,
  parentIdOf,
  type TestDoc,
  type MongoClient,
} from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

const tracing = createTracing();
const drivers = instrumentDrivers(tracing);
const HANDSHAKE = new Set(['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue']);
/** A value no query text may contain unless values are asked for. */
const SECRET = 'secret-4f1c9e';

let server: MongoServer;
before(async () => {
  server = await startMongoServer();
});
after(async () => {
  await server.stop();
});

for (const instrumented of drivers) {
  const { alias, version, instrumentation } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    let started: string[] = [];
    const dbName = databaseName('spans', alias);

    before(async () => {
      client = newClient(instrumented, server.uri, { monitorCommands: true });
      client.on('commandStarted', (event: { commandName: string }) => {
        if (!HANDSHAKE.has(event.commandName)) started.push(event.commandName);
      });
      await client.connect();
    });
    after(async () => {
      await client.close();
    });
    beforeEach(async () => {
      instrumentation.setConfig({ moduleName: alias });
      await client.db(dbName).collection('users').deleteMany({});
      started = [];
    });

    it('traces each command the application causes once, as the driver sends it', async () => {
      const users = client.db(dbName).collection<TestDoc>('users');
      const { span: parent } = await inSpan(tracing.tracer, 'request', async () => {
        await users.insertOne({ _id: 1, name: SECRET, age: 31 });
        await users.insertMany([2, 3, 4, 5, 6].map((id) => ({ _id: id, name: `user-${id}`, age: 20 + id })));
        await users.find({ age: { $gte: 20 } }, { batchSize: 2 }).toArray();
        await users.findOne({ name: SECRET });
        await users.updateOne({ _id: 2 }, { $set: { name: SECRET } });
        await users.updateMany({ age: { $gt: 100 } }, { $inc: { age: 1 } });
        await users.replaceOne({ _id: 3 }, { name: 'replaced', age: 1 });
        await users.findOneAndUpdate({ _id: 4 }, { $set: { flag: true } });
        await users.findOneAndReplace({ _id: 5 }, { name: 'replaced', age: 5 });
        await users.aggregate([{ $match: { age: { $gt: 0 } } }, { $project: { name: 1 } }], { batchSize: 1 }).toArray();
        await users.countDocuments({ age: { $gt: 0 } });
        await users.estimatedDocumentCount();
        await users.distinct('name');
        await users.createIndex({ name: 1 });
        await users.bulkWrite([
          { insertOne: { document: { _id: 7, name: 'bulk' } } },
          { updateOne: { filter: { _id: 7 }, update: { $set: { age: 7 } } } },
          { deleteOne: { filter: { _id: 6 } } },
        ]);
        const cursor = users.find({}, { batchSize: 1 });
        await cursor.next();
        await cursor.close();
        await users.deleteOne({ _id: 1 });
        await users.deleteMany({ age: { $lt: 0 } });
        await client.db(dbName).command({ ping: 1 });
      });

      const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.ok(started.includes('getMore') && started.includes('killCursors'), `workload sent ${started.join(',')}`);
      assert.deepEqual(operationNames(spans), [...started].sort(), 'one span per command the driver sent');
      for (const span of spans) {
        assert.equal(span.kind, SpanKind.CLIENT);
        assert.equal(parentIdOf(span), parent.spanContext().spanId, `${span.name} parent`);
        assert.equal(span.status.code, SpanStatusCode.UNSET, `${span.name} status`);
        assert.equal(span.instrumentationScope.name, '@otel-skywalking/instrumentation-mongodb');
        const a = span.attributes;
        assert.equal(a['db.system.name'], 'mongodb');
        assert.equal(a['db.namespace'], dbName);
        assert.equal(a['server.address'], server.host);
        assert.equal(a['server.port'], server.port);
        const text = a['db.query.text'];
        assert.equal(typeof text, 'string');
        assert.ok(!String(text).includes(SECRET), `values are masked: ${String(text)}`);
        if (a['db.operation.name'] === 'ping') {
          assert.equal(a['db.collection.name'], undefined);
          assert.equal(span.name, `ping ${dbName}`);
        } else {
          assert.equal(a['db.collection.name'], 'users', `${span.name} collection`);
          assert.equal(span.name, `${String(a['db.operation.name'])} users`);
        }
      }
      const find = spans.find((s) => s.attributes['db.operation.name'] === 'find');
      assert.match(String(find?.attributes['db.query.text']), /^\{"find":"users","filter":\{"age":\{"\$gte":"\?"\}\}/);
      const getMore = spans.find((s) => s.attributes['db.operation.name'] === 'getMore');
      assert.match(String(getMore?.attributes['db.query.text']), /^\{"getMore":"\?","collection":"users"/);
    });

    it('does not trace handshakes, heartbeats or other driver housekeeping', async () => {
      tracing.exporter.reset();
      let heartbeats = 0;
      const fresh = newClient(instrumented, server.uri, { heartbeatFrequencyMS: 500 });
      fresh.on('serverHeartbeatSucceeded', () => heartbeats++);
      await fresh.connect();
      const { span: parent } = await inSpan(tracing.tracer, 'request', () =>
        fresh.db(dbName).collection('users').insertOne({ name: 'x' }),
      );
      await fresh.close();
      assert.ok(heartbeats >= 1, 'the monitor checked the server');
      const spans = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
      const names = spans.map((s) => s.attributes['db.operation.name']);
      assert.ok(!names.some((n) => HANDSHAKE.has(String(n))), `no handshake spans: ${names.join(',')}`);
      const inRequest = spans.filter((s) => s.spanContext().traceId === parent.spanContext().traceId);
      assert.deepEqual(operationNames(inRequest), ['insert']);
      // what remains is the application's client.close() ending its sessions
      assert.deepEqual(
        spans.filter((s) => !inRequest.includes(s)).map((s) => s.attributes['db.operation.name']),
        ['endSessions'],
      );
    });

    it('traces commitTransaction and abortTransaction in the caller context', async () => {
      const users = client.db(dbName).collection<TestDoc>('users');
      const { span: parent } = await inSpan(tracing.tracer, 'transfer', async () => {
        const session = client.startSession();
        try {
          session.startTransaction();
          await users.insertOne({ _id: 'committed' }, { session });
          await session.commitTransaction();
          session.startTransaction();
          await users.insertOne({ _id: 'aborted' }, { session });
          await session.abortTransaction();
        } finally {
          await session.endSession();
        }
      });
      const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.deepEqual(operationNames(spans), ['abortTransaction', 'commitTransaction', 'insert', 'insert']);
      for (const span of spans) assert.equal(parentIdOf(span), parent.spanContext().spanId);
      const commit = spans.find((s) => s.attributes['db.operation.name'] === 'commitTransaction')!;
      assert.equal(commit.attributes['db.namespace'], 'admin');
      assert.equal(commit.attributes['db.collection.name'], undefined);
      assert.equal(commit.name, 'commitTransaction admin');
      assert.deepEqual(await users.find({}).toArray(), [{ _id: 'committed' }]);
    });

    it('keeps the caller context active after each call returns', async () => {
      const users = client.db(dbName).collection<TestDoc>('users');
      await inSpan(tracing.tracer, 'request', async (parent) => {
        await users.insertOne({ a: 1 });
        assert.equal(trace.getActiveSpan(), parent);
        await users.find({}, { batchSize: 1 }).toArray();
        assert.equal(trace.getActiveSpan(), parent);
        await assert.rejects(users.insertOne({ _id: (await users.findOne({}))!['_id'] }));
        assert.equal(trace.getActiveSpan(), parent);
      });
    });

    it('traces commands outside any span as roots by default, and not at all with requireParentSpan', async () => {
      const users = client.db(dbName).collection<TestDoc>('users');
      tracing.exporter.reset();
      await users.insertOne({ job: 'nightly' });
      const roots = tracing.exporter.getFinishedSpans().filter(isMongoSpan);
      assert.deepEqual(operationNames(roots), ['insert']);
      assert.equal(parentIdOf(roots[0]!), undefined);

      instrumentation.setConfig({ moduleName: alias, requireParentSpan: true });
      const skippedBefore = instrumentation.getStats().skippedWithoutParent;
      tracing.exporter.reset();
      await users.insertOne({ job: 'nightly' });
      assert.equal(tracing.exporter.getFinishedSpans().filter(isMongoSpan).length, 0);
      assert.equal(instrumentation.getStats().skippedWithoutParent, skippedBefore + 1);
      const { span: parent } = await inSpan(tracing.tracer, 'request', () => users.countDocuments({}));
      assert.deepEqual(operationNames(mongoSpansOf(tracing.exporter, parent.spanContext().traceId)), ['aggregate']);
    });
  });
}
