import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanType } from '@otel-skywalking/core/protocol';
import { CollectorTimeoutError, SkyWalkingCollector } from '../src';
import {
  collect,
  collectInSync,
  managementClient,
  metadata,
  segment,
  span,
  traceClient,
  twoServiceTrace,
  unary,
} from './helpers';

describe('SkyWalkingCollector over gRPC', () => {
  let collector: SkyWalkingCollector;
  let address: string;
  const clients: Array<{ close(): void }> = [];

  before(async () => {
    collector = new SkyWalkingCollector();
    address = (await collector.start()).grpc;
  });
  beforeEach(() => collector.clear());
  after(async () => {
    for (const c of clients) c.close();
    await collector.close();
  });

  it('binds a free port when grpcPort is 0 and reports the address', () => {
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(address, '127.0.0.1:0');
    assert.deepEqual(collector.addresses, { grpc: address });
  });

  it('collect (client streaming) stores every segment and answers one empty Commands after the half-close', async () => {
    const client = traceClient(address);
    clients.push(client);
    const before = collector.getStats();
    const [a, b] = twoServiceTrace();
    const answer = await collect(client, [a, b]);
    assert.deepEqual(answer, { commands: [] });
    assert.deepEqual(collector.segments().map((s) => s.traceSegmentId), ['seg-a', 'seg-b']);
    assert.deepEqual(collector.segments()[1], b);
    const stats = collector.getStats();
    assert.equal(stats.segmentsReceived - before.segmentsReceived, 2);
    assert.equal(stats.streamsOpened - before.streamsOpened, 1);
    assert.ok(stats.bytesReceived - before.bytesReceived > 100);
    assert.equal(stats.callsActive, 0);
    // stats() is the deprecated alias: it still answers the same counters.
    assert.deepEqual(collector.stats(), collector.getStats());
  });

  it('answers nothing until the client half-closes, then exactly once', async () => {
    const client = traceClient(address);
    clients.push(client);
    let answers = 0;
    const done = new Promise<void>((resolve, reject) => {
      const call = client.collect(metadata(), (err) => {
        answers++;
        if (err) reject(err);
        else resolve();
      });
      call.write(segment({ traceSegmentId: 'open-1', spans: [span({ spanId: 0 })] }));
      void collector
        .waitFor((c) => c.segments().length === 1, 5000)
        .then(() => {
          assert.equal(answers, 0, 'no answer while the stream is open');
          call.end();
        })
        // a failed assertion above rejects too (a second argument to then() would not see it)
        .catch(reject);
    });
    await done;
    assert.equal(answers, 1);
  });

  it('collectInSync (unary) stores every segment of the collection', async () => {
    const client = traceClient(address);
    clients.push(client);
    const answer = await collectInSync(client, twoServiceTrace('sync-trace'));
    assert.deepEqual(answer, { commands: [] });
    assert.deepEqual(collector.traces().map((t) => t.traceId), ['sync-trace']);
  });

  it('serves the deprecated unpackaged paths too', async () => {
    const client = traceClient(address, { compat: true });
    const management = managementClient(address, { compat: true });
    clients.push(client, management);
    await collect(client, [segment({ traceSegmentId: 'compat-1', spans: [span({ spanId: 0 })] })]);
    await collectInSync(client, [segment({ traceSegmentId: 'compat-2', spans: [span({ spanId: 0 })] })]);
    await unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 'legacy', serviceInstance: 'legacy-1', layer: '' });
    assert.deepEqual(collector.segments().map((s) => s.traceSegmentId), ['compat-1', 'compat-2']);
    assert.deepEqual(collector.instances().map((i) => i.service), ['legacy']);
  });

  it('links segments into one tree through refs (parent key = ref.parentTraceSegmentId S ref.parentSpanId)', async () => {
    const client = traceClient(address);
    clients.push(client);
    const [a, b] = twoServiceTrace();
    await collect(client, [b]); // the child first: its parent is missing until a arrives
    let trace = collector.trace('trace-1');
    assert.ok(trace);
    assert.deepEqual(trace.missingParents, [{ nodeKey: 'seg-bS0', parentKey: 'seg-aS1' }]);
    await collect(client, [a]);
    trace = collector.traces()[0];
    assert.equal(trace.roots.length, 1);
    assert.deepEqual(trace.missingParents, []);
    const root = trace.roots[0];
    assert.equal(root.key, 'seg-aS0');
    assert.equal(root.children[0].key, 'seg-aS1');
    assert.equal(root.children[0].children[0].key, 'seg-bS0');
    assert.equal(root.children[0].children[0].service, 'b');
    assert.equal(root.children[0].children[0].children[0].span.peer, 'db:5432');
    assert.equal(trace.spanCount, 4);
    assert.deepEqual(trace.services, ['a', 'b'], 'tree order, not arrival order');
    assert.equal(trace.endpoint, 'GET:/a');
    assert.equal(trace.durationMs, 50);
    assert.deepEqual(collector.violations(), []);
  });

  it('keeps instances from reportInstanceProperties and keepAlive', async () => {
    const management = managementClient(address);
    clients.push(management);
    await unary((r, m, cb) => management.reportInstanceProperties(r, m, cb), {
      service: 'shop',
      serviceInstance: 'shop-1',
      layer: '',
      properties: [
        { key: 'language', value: 'NodeJS' },
        { key: 'ipv4', value: '10.0.0.1' },
        { key: 'ipv4', value: '10.0.0.2' },
        { key: '__proto__', value: 'plain key' },
      ],
    });
    await unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 'shop', serviceInstance: 'shop-1', layer: 'GENERAL' });
    await unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 'shop', serviceInstance: 'shop-1', layer: '' });
    const [shop] = collector.instances();
    assert.equal(shop.service, 'shop');
    assert.equal(shop.layer, 'GENERAL');
    assert.equal(shop.keepAlives, 2);
    assert.equal(typeof shop.lastKeepAlive, 'number');
    assert.equal(typeof shop.propertiesReportedAt, 'number');
    assert.equal(shop.properties.language, 'NodeJS');
    assert.equal(shop.properties.ipv4, '10.0.0.1,10.0.0.2');
    assert.equal(Object.getOwnPropertyDescriptor(shop.properties, '__proto__')?.value, 'plain key');
    assert.equal(Object.getPrototypeOf(shop.properties), Object.prototype);
  });

  it('waitFor resolves with the first truthy value once the data arrives', async () => {
    const client = traceClient(address);
    clients.push(client);
    const waiting = collector.waitFor((c) => c.traces().find((t) => t.spanCount >= 4), 5000);
    await collect(client, twoServiceTrace('wait-trace'));
    const trace = await waiting;
    assert.equal(trace.traceId, 'wait-trace');
  });

  it('waitFor rejects with a CollectorTimeoutError that says what was received', async () => {
    const client = traceClient(address);
    clients.push(client);
    await collect(client, [segment({ traceSegmentId: 'bad', spans: [span({ spanId: 3, parentSpanId: -1 })] })]);
    await assert.rejects(
      collector.waitFor((c) => c.segments().length > 5, 50),
      (err: unknown) => {
        assert.ok(err instanceof CollectorTimeoutError);
        assert.match(err.message, /within 50 ms; holding 1 segments in 1 traces/);
        assert.match(err.message, /span\.first/);
        return true;
      },
    );
  });

  it('waitFor rejects with what the predicate throws', async () => {
    await assert.rejects(collector.waitFor(() => {
      throw new Error('boom');
    }), /boom/);
  });

  it('clear() drops held data but keeps counting', async () => {
    const client = traceClient(address);
    clients.push(client);
    await collect(client, twoServiceTrace());
    const received = collector.getStats().segmentsReceived;
    collector.clear();
    assert.deepEqual(collector.segments(), []);
    assert.deepEqual(collector.traces(), []);
    assert.equal(collector.getStats().segmentsStored, 0);
    assert.equal(collector.getStats().storedBytes, 0);
    assert.equal(collector.getStats().segmentsReceived, received);
  });

  it('exit spans of the tree keep their type, peer and component', async () => {
    const client = traceClient(address);
    clients.push(client);
    await collect(client, twoServiceTrace());
    const exit = collector.traces()[0].roots[0].children[0];
    assert.equal(exit.span.spanType, SpanType.Exit);
    assert.equal(exit.span.peer, 'b:8080');
    assert.equal(exit.span.componentId, 2);
  });
});

describe('SkyWalkingCollector lifecycle and options', () => {
  it('rejects invalid options with a clear error', () => {
    assert.throws(() => new SkyWalkingCollector({ grpcPort: 70000 }), /grpcPort must be an integer from 0 to 65535/);
    assert.throws(() => new SkyWalkingCollector({ maxSegments: 0 }), /maxSegments must be an integer/);
    assert.throws(() => new SkyWalkingCollector({ token: '' }), /token must be a non-empty string/);
    assert.throws(() => new SkyWalkingCollector({ host: '' }), /host must be a non-empty string/);
    // The deprecated *Ms names are still read, and named in the error when they were the ones given.
    assert.throws(() => new SkyWalkingCollector({ streamIdleTimeoutMs: 0 }), /streamIdleTimeoutMs must be an integer/);
    assert.throws(() => new SkyWalkingCollector({ streamIdleTimeoutMillis: 0 }), /streamIdleTimeoutMillis must be an integer/);
    assert.throws(() => new SkyWalkingCollector({ traceQuietMs: 0, onTraceFinished: () => {} }), /traceQuietMs must be an integer/);
  });

  it('fails start() clearly when the port is taken, and can be closed after', async () => {
    const first = new SkyWalkingCollector();
    const { grpc } = await first.start();
    const port = Number(grpc.split(':')[1]);
    const second = new SkyWalkingCollector({ grpcPort: port });
    await assert.rejects(second.start(), new RegExp(`cannot listen for gRPC on 127\\.0\\.0\\.1:${port} \\(port taken`));
    await second.close();
    await first.close();
  });

  it('fails start() clearly when the HTTP port is taken, and frees the gRPC port', async () => {
    const first = new SkyWalkingCollector({ httpPort: 0 });
    const { http } = await first.start();
    const httpPort = Number(new URL(http!).port);
    const second = new SkyWalkingCollector({ httpPort });
    await assert.rejects(second.start(), new RegExp(`cannot listen for HTTP on 127\\.0\\.0\\.1:${httpPort}: .*EADDRINUSE`));
    await first.close();
  });

  it('rejects pending waitFor calls on close() and refuses new ones', async () => {
    const collector = new SkyWalkingCollector();
    await collector.start();
    const pending = collector.waitFor(() => false, 60_000);
    await collector.close();
    await assert.rejects(pending, /closed while waiting/);
    await assert.rejects(collector.waitFor(() => true), /after close/);
    await assert.rejects(collector.start(), /start\(\) called when closed/);
  });
});
