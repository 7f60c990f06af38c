/**
 * Failed commands (duplicate key, unknown command, a connection cut mid-command) get an error
 * status and the exception; the application sees exactly what the driver alone gives it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { FaultyProxy } from './helpers/faulty-proxy';
import {
  createTracing,
  databaseName,
  inSpan,
  instrumentDrivers,
  mongoSpansOf,
  newClient,
  parentIdOf,
  type MongoClient,
  type TestDoc,
} from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

const tracing = createTracing();
const drivers = instrumentDrivers(tracing);

let server: MongoServer;
/** Behind the proxy: a standalone server, as a replica-set member reached directly gets reads with a read preference jongodb refuses. */
let standalone: MongoServer;
let proxy: FaultyProxy;
let proxyUri: string;
let proxyPort: number;
before(async () => {
  server = await startMongoServer();
  standalone = await startMongoServer({ replicaSet: false });
  proxy = new FaultyProxy(standalone.host, standalone.port);
  proxyPort = await proxy.listen();
  proxyUri = `mongodb://127.0.0.1:${proxyPort}/?directConnection=true`;
});
after(async () => {
  await proxy.close();
  await Promise.all([server.stop(), standalone.stop()]);
});

/** What the application observed: the value, or the error's class, code and message. */
type Outcome = { value: unknown } | { error: { class: string; name: string; code: unknown; message: string } };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await run() };
  } catch (error) {
    const e = error as Error & { code?: unknown };
    // connection numbers differ between two runs of the same operation
    const message = e.message.replace(/connection \d+/g, 'connection N');
    return { error: { class: e.constructor.name, name: e.name, code: e.code, message } };
  }
}

function assertFailed(span: ReadableSpan, errorType: string, statusCode: string | undefined, message: RegExp): void {
  assert.equal(span.status.code, SpanStatusCode.ERROR, `${span.name} status`);
  assert.match(span.status.message ?? '', message);
  assert.equal(span.attributes['error.type'], errorType);
  assert.equal(span.attributes['db.response.status_code'], statusCode);
  const exception = span.events.find((e) => e.name === 'exception');
  assert.ok(exception !== undefined, `${span.name} records the exception`);
  assert.match(String(exception.attributes?.['exception.message']), message);
}

for (const instrumented of drivers) {
  const { alias, version, instrumentation } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    const dbName = databaseName('errors', alias);
    const users = () => client.db(dbName).collection<TestDoc>('users');

    before(async () => {
      client = newClient(instrumented, server.uri);
      await client.connect();
    });
    after(async () => {
      await client.close();
    });
    beforeEach(async () => {
      await users().deleteMany({});
      await users().insertOne({ _id: 1, name: 'first' });
    });

    it('marks a duplicate key as an error with the server code, and throws as the driver does', async () => {
      instrumentation.disable();
      const plain = await outcome(() => users().insertOne({ _id: 1 }));
      instrumentation.enable();
      const { span: parent, result: traced } = await inSpan(tracing.tracer, 'request', () =>
        outcome(() => users().insertOne({ _id: 1 })),
      );
      assert.ok('error' in traced && traced.error.code === 11000, JSON.stringify(traced));
      assert.deepEqual(traced, plain);
      const [span, ...others] = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.equal(others.length, 0);
      assert.equal(parentIdOf(span!), parent.spanContext().spanId);
      assertFailed(span!, '11000', '11000', /E11000|duplicate/i);
    });

    it('marks a partly failed unordered insertMany as an error, and reports the same bulk result', async () => {
      const docs = () => [{ _id: 2 }, { _id: 1 }, { _id: 3 }];
      instrumentation.disable();
      const plain = await outcome(() => users().insertMany(docs(), { ordered: false }));
      const plainCount = await users().countDocuments({});
      await users().deleteMany({ _id: { $in: [2, 3] } });
      instrumentation.enable();
      const { span: parent, result: traced } = await inSpan(tracing.tracer, 'request', () =>
        outcome(() => users().insertMany(docs(), { ordered: false })),
      );
      assert.deepEqual(traced, plain);
      assert.equal(await users().countDocuments({}), plainCount);
      const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.equal(spans.length, 1);
      assertFailed(spans[0]!, '11000', '11000', /E11000|duplicate/i);
    });

    it('marks an unknown command as an error, and rejects as the driver does', async () => {
      const run = () => client.db(dbName).command({ noSuchCommand: 1 });
      instrumentation.disable();
      const plain = await outcome(run);
      instrumentation.enable();
      const { span: parent, result: traced } = await inSpan(tracing.tracer, 'request', () => outcome(run));
      assert.deepEqual(traced, plain);
      const [span] = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.equal(span?.name, `noSuchCommand ${dbName}`);
      assertFailed(span!, '59', '59', /no such command|not found|unrecognized/i);
    });

    it('marks a connection cut mid-command as a network error, and rejects as the driver does', async () => {
      const cutClient = newClient(instrumented, proxyUri, { retryReads: false, minHeartbeatFrequencyMS: 20, serverSelectionTimeoutMS: 1_000 });
      try {
        await cutClient.connect();
        const read = () => cutClient.db(dbName).collection('cut_once').findOne({});
        instrumentation.disable();
        proxy.dropRequestsContaining('cut_once', 1);
        const plain = await outcome(read);
        instrumentation.enable();
        proxy.dropRequestsContaining('cut_once', 1);
        const { span: parent, result: traced } = await inSpan(tracing.tracer, 'request', () => outcome(read));
        assert.ok('error' in traced && /Network/.test(traced.error.name), JSON.stringify(traced));
        assert.deepEqual(traced, plain);
        const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.attributes['server.port'], proxyPort);
        assertFailed(spans[0]!, traced.error.name, undefined, /./);
        assert.equal(spans[0]!.status.message?.replace(/connection \d+/g, 'connection N'), traced.error.message);
      } finally {
        await cutClient.close();
      }
    });

    it('shows a retried read as a failed and a successful span, while the application only sees the result', async () => {
      // after a network error the driver re-checks the server before using it again: do it soon;
      // driver 6 leaves its retry selection timer running, which would hold the process open
      // for serverSelectionTimeoutMS
      const cutClient = newClient(instrumented, proxyUri, { retryReads: true, minHeartbeatFrequencyMS: 20, serverSelectionTimeoutMS: 1_000 });
      try {
        await cutClient.connect();
        const retried = cutClient.db(dbName).collection<TestDoc>('retried');
        await retried.deleteMany({});
        await retried.insertOne({ _id: 'kept' });
        proxy.dropRequestsContaining('retried', 1);
        const droppedBefore = proxy.dropped;
        const { span: parent, result } = await inSpan(tracing.tracer, 'request', () => retried.findOne({}));
        assert.equal(proxy.dropped, droppedBefore + 1, 'the first attempt was cut');
        assert.deepEqual(result, { _id: 'kept' });
        const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
        assert.deepEqual(
          spans.map((s) => s.status.code).sort(),
          [SpanStatusCode.UNSET, SpanStatusCode.ERROR],
        );
        for (const span of spans) {
          assert.equal(span.attributes['db.operation.name'], 'find');
          assert.equal(parentIdOf(span), parent.spanContext().spanId);
        }
      } finally {
        await cutClient.close();
      }
    });

    it('returns the same results with and without the instrumentation', async () => {
      const workload = async (): Promise<Outcome[]> => {
        await users().deleteMany({});
        return [
          await outcome(() => users().insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }, { _id: 3, n: 3 }])),
          await outcome(() => users().find({}, { batchSize: 1, sort: { _id: 1 } }).toArray()),
          await outcome(() => users().updateOne({ _id: 2 }, { $inc: { n: 10 } })),
          await outcome(() => users().findOneAndUpdate({ _id: 3 }, { $set: { n: 0 } }, { returnDocument: 'after' })),
          await outcome(() => users().aggregate([{ $group: { _id: null, total: { $sum: '$n' } } }]).toArray()),
          await outcome(() => users().distinct('n')),
          await outcome(() => users().insertOne({ _id: 1 })),
          await outcome(() => users().deleteMany({ n: { $gt: 100 } })),
        ];
      };
      instrumentation.disable();
      const plain = await workload();
      instrumentation.enable();
      const traced = await workload();
      assert.deepEqual(traced, plain);
    });
  });
}
