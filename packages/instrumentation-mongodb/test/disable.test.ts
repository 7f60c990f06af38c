/** `disable()` puts the driver back as it was; `enable()` instruments it again. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isWrapped } from '@opentelemetry/instrumentation';
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

let server: MongoServer;
before(async () => {
  server = await startMongoServer();
});
after(async () => {
  await server.stop();
});

type Patched = Record<string, unknown>;

/** Every function the instrumentation may wrap, by where it lives in the driver. */
function patchPoints(alias: string): Array<{ where: string; owner: Patched; name: string }> {
  const load = (path: string) => require(`${alias}/lib/${path}`) as Record<string, { prototype: Patched }>;
  return [
    { where: 'executeOperation', owner: load('operations/execute_operation') as unknown as Patched, name: 'executeOperation' },
    { where: 'connect', owner: load('cmap/connect') as unknown as Patched, name: 'connect' },
    { where: 'Connection#command', owner: load('cmap/connection')['Connection']!.prototype, name: 'command' },
    { where: 'ConnectionPool#checkOut', owner: load('cmap/connection_pool')['ConnectionPool']!.prototype, name: 'checkOut' },
    { where: 'Topology#selectServer', owner: load('sdam/topology')['Topology']!.prototype, name: 'selectServer' },
  ];
}

for (const instrumented of drivers) {
  const { alias, version, major, instrumentation } = instrumented;
  describe(`${alias} (driver ${version})`, () => {
    let client: MongoClient;
    const dbName = databaseName('disable', alias);
    const users = () => client.db(dbName).collection<TestDoc>('users');
    const spansOf = async (run: () => Promise<unknown>) => {
      const { span } = await inSpan(tracing.tracer, 'request', run);
      return mongoSpansOf(tracing.exporter, span.spanContext().traceId);
    };

    before(async () => {
      client = newClient(instrumented, server.uri);
      await client.connect();
      await users().deleteMany({});
    });
    after(async () => {
      instrumentation.enable();
      await client.close();
    });

    it('wraps only what this driver major needs', () => {
      const wrapped = patchPoints(alias)
        .filter((p) => isWrapped(p.owner[p.name]))
        .map((p) => p.where);
      // Topology#selectServer is bound only for drivers < 4.11, whose executeOperation takes callbacks
      const callbackEra = major < 6 ? ['ConnectionPool#checkOut'] : [];
      assert.deepEqual(wrapped.sort(), ['Connection#command', 'connect', 'executeOperation', ...callbackEra].sort());
    });

    it('restores every original function on disable(), and stops tracing', async () => {
      const points = patchPoints(alias);
      const originals = points.map((p) => {
        const current = p.owner[p.name] as { __original?: unknown };
        return isWrapped(current) ? current.__original : current;
      });
      instrumentation.disable();
      try {
        points.forEach((p, i) => assert.equal(p.owner[p.name], originals[i], `${p.where} restored`));
        const spans = await spansOf(async () => {
          await users().insertOne({ name: 'untraced' });
          return users().find({}, { batchSize: 1 }).toArray();
        });
        assert.equal(spans.length, 0);
        assert.equal(await users().countDocuments({ name: 'untraced' }), 1);
      } finally {
        instrumentation.enable();
      }
      const spans = await spansOf(() => users().insertOne({ name: 'traced' }));
      assert.deepEqual(
        spans.map((s) => s.attributes['db.operation.name']),
        ['insert'],
      );
    });

    it('ends the span of a command in flight when disabled meanwhile', async () => {
      const watched = newClient(instrumented, server.uri, { monitorCommands: true });
      let disabledDuringInsert = false;
      watched.on('commandStarted', (event: { commandName: string }) => {
        if (event.commandName === 'insert' && instrumentation.isEnabled()) {
          instrumentation.disable();
          disabledDuringInsert = true;
        }
      });
      try {
        await watched.connect();
        const { span: parent } = await inSpan(tracing.tracer, 'request', () =>
          watched.db(dbName).collection<TestDoc>('users').insertOne({ name: 'in flight' }),
        );
        assert.ok(disabledDuringInsert);
        const spans = mongoSpansOf(tracing.exporter, parent.spanContext().traceId);
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.ended, true);
      } finally {
        instrumentation.enable();
        await watched.close();
      }
    });
  });
}
