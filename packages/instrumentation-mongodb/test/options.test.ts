/**
 * Options against a real server: full query text, the statement serializer, the length limit, the
 * response hook; hooks that throw are contained and counted.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { MongoCommand, MongoStatementInfo } from '../src';
import {
  createTracing,
  databaseName,
  inSpan,
  instrumentDrivers,
  mongoSpansOf,
  newClient,
  type MongoClient,
  type TestDoc,
} from './helpers/harness';
import { startMongoServer, type MongoServer } from './helpers/mongo-server';

const tracing = createTracing();
const drivers = instrumentDrivers(tracing);
const warnings: string[] = [];
diag.setLogger(
  {
    error: () => {},
    warn: (...args: unknown[]) => warnings.push(args.join(" ")),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);

let server: MongoServer;
before(async () => {
  server = await startMongoServer();
});
after(async () => {
  await server.stop();
  diag.disable();
});

for (const instrumented of drivers) {
  const { alias, version, instrumentation } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    const dbName = databaseName('options', alias);
    const users = () => client.db(dbName).collection<TestDoc>('users');
    /** The query text and span of one command run inside a parent span. */
    const traced = async (run: () => Promise<unknown>) => {
      const { span: parent } = await inSpan(tracing.tracer, 'request', run);
      const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
      assert.equal(spans.length, 1);
      return { span: spans[0]!, text: spans[0]!.attributes['db.query.text'] };
    };

    before(async () => {
      client = newClient(instrumented, server.uri);
      await client.connect();
    });
    after(async () => {
      instrumentation.setConfig({ moduleName: alias });
      await client.close();
    });
    beforeEach(async () => {
      instrumentation.setConfig({ moduleName: alias });
      await users().deleteMany({});
    });

    it('records values with enhancedDatabaseReporting', async () => {
      instrumentation.setConfig({ moduleName: alias, enhancedDatabaseReporting: true });
      const { text } = await traced(() => users().findOne({ name: 'ada', age: { $gt: 36 } }));
      assert.match(String(text), /^\{"find":"users","filter":\{"name":"ada","age":\{"\$gt":36\}\}/);
      assert.ok(!String(text).includes('lsid') && !String(text).includes('$clusterTime'), String(text));
    });

    it('uses dbStatementSerializer for the query text, and survives one that throws', async () => {
      const seen: Array<{ command: MongoCommand; info: MongoStatementInfo }> = [];
      instrumentation.setConfig({
        moduleName: alias,
        dbStatementSerializer: (command, info) => {
          seen.push({ command, info });
          return `${info.operationName} on ${String(command[info.operationName])}`;
        },
      });
      const { text } = await traced(() => users().insertOne({ name: 'ada' }));
      assert.equal(text, 'insert on users');
      assert.deepEqual(seen[0]?.info, { operationName: 'insert', namespace: dbName });

      const errorsBefore = instrumentation.getStats().serializerErrors;
      instrumentation.setConfig({
        moduleName: alias,
        dbStatementSerializer: () => {
          throw new Error('serializer bug');
        },
      });
      const { span, text: none } = await traced(() => users().insertOne({ name: 'grace' }));
      assert.equal(none, undefined);
      assert.equal(span.attributes['db.operation.name'], 'insert');
      assert.equal(instrumentation.getStats().serializerErrors, errorsBefore + 1);
      assert.equal(await users().countDocuments({}), 2, 'both inserts happened');
      assert.ok(warnings.some((w) => w.includes('dbStatementSerializer failed') && w.includes('serializer bug')));
    });

    it('cuts the query text to maxQueryTextLength, and records none at 0', async () => {
      instrumentation.setConfig({ moduleName: alias, maxQueryTextLength: 40 });
      const truncatedBefore = instrumentation.getStats().truncatedQueryTexts;
      const docs = Array.from({ length: 500 }, (_, i) => ({ _id: i, payload: 'x'.repeat(100) }));
      const { text } = await traced(() => users().insertMany(docs));
      assert.equal(String(text).length, 40);
      assert.ok(String(text).endsWith('...'));
      assert.equal(instrumentation.getStats().truncatedQueryTexts, truncatedBefore + 1);

      instrumentation.setConfig({ moduleName: alias, maxQueryTextLength: 0 });
      const { text: none } = await traced(() => users().findOne({}));
      assert.equal(none, undefined);
    });

    it('calls responseHook with the reply, and survives one that throws', async () => {
      instrumentation.setConfig({
        moduleName: alias,
        responseHook: (span, { data, operationName }) => {
          const reply = data as { n?: number; toObject?: () => { n?: number } };
          const n = typeof reply.toObject === 'function' ? reply.toObject().n : reply.n;
          span.setAttribute('test.reply.n', `${operationName}:${String(n)}`);
        },
      });
      const { span } = await traced(() => users().insertMany([{ a: 1 }, { a: 2 }]));
      assert.equal(span.attributes['test.reply.n'], 'insert:2');

      const errorsBefore = instrumentation.getStats().responseHookErrors;
      instrumentation.setConfig({
        moduleName: alias,
        responseHook: () => {
          throw new Error('hook bug');
        },
      });
      const { span: second } = await traced(() => users().countDocuments({}));
      assert.equal(second.status.code, 0);
      assert.equal(second.ended, true);
      assert.equal(instrumentation.getStats().responseHookErrors, errorsBefore + 1);
      assert.equal(await users().countDocuments({}), 2);
    });
  });
}
