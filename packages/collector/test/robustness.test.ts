/**
 * Bad clients: malformed protobuf, oversized and lying length prefixes, endless and idle streams,
 * abrupt disconnects, non-HTTP/2 bytes, too many concurrent calls. The collector must answer with the
 * right status, count what it dropped, keep its bounds, free every call, and keep serving.
 */
import assert from 'node:assert/strict';
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector } from '../src';
import { collect, metadata, segment, span, statusOf, traceClient } from './helpers';

const COLLECT = '/skywalking.v3.TraceSegmentReportService/collect';
const COLLECT_IN_SYNC = '/skywalking.v3.TraceSegmentReportService/collectInSync';
const KEEP_ALIVE = '/skywalking.v3.ManagementService/keepAlive';

type RawClient = grpc.Client & {
  raw(md: grpc.Metadata, cb: grpc.requestCallback<Buffer>): grpc.ClientWritableStream<Buffer>;
  rawUnary(req: Buffer, md: grpc.Metadata, cb: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
};

/** A gRPC client that sends raw bytes as the message body on the given paths. */
function rawClient(address: string, streamPath: string, unaryPath: string): RawClient {
  const identity = (b: Buffer): Buffer => b;
  const def = {
    raw: { path: streamPath, requestStream: true, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    rawUnary: { path: unaryPath, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  };
  const Ctor = grpc.makeGenericClientConstructor(def, 'Raw');
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as RawClient;
}

function sendRawUnary(client: RawClient, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => client.rawUnary(bytes, metadata(), (err, res) => (err ? reject(err) : resolve(res as Buffer))));
}

function sendRawStream(client: RawClient, messages: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const call = client.raw(metadata(), (err, res) => (err ? reject(err) : resolve(res as Buffer)));
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Encoded SegmentObject bytes. */
function encode(s: ReturnType<typeof segment>): Buffer {
  const { SegmentObject } = loadProtocol();
  return Buffer.from(SegmentObject.encode(SegmentObject.fromObject(s)).finish());
}

/** A length-delimited field 2 (traceSegmentId) claiming far more bytes than follow: protobufjs throws. */
const TRUNCATED = Buffer.from([0x12, 0xff, 0xff, 0xff, 0x0f, 0x41]);

/** Opens a raw HTTP/2 gRPC request and resolves with its grpc-status (or 'reset' if the stream died). */
function rawHttp2(address: string, path: string, write: (stream: ReturnType<ReturnType<typeof http2Connect>['request']>) => void): Promise<string> {
  return new Promise((resolve) => {
    const session = http2Connect(`http://${address}`);
    session.on('error', () => resolve('session-error'));
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status: string | undefined;
    const done = (value: string): void => {
      status ??= value;
      stream.close();
      session.close();
      resolve(status);
    };
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) done(String(headers['grpc-status']));
    });
    stream.on('trailers', (trailers) => done(String(trailers['grpc-status'])));
    stream.on('error', () => undefined);
    stream.on('close', () => done('reset'));
    stream.resume();
    write(stream);
  });
}

function frame(body: Buffer, claimedLength = body.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([head, body]);
}

describe('collector robustness', { timeout: 60_000 }, () => {
  let collector: SkyWalkingCollector;
  let address: string;
  const clients: grpc.Client[] = [];

  before(async () => {
    collector = new SkyWalkingCollector({ maxMessageBytes: 64 * 1024, maxSegments: 500, maxConcurrentStreams: 4, streamIdleTimeoutMillis: 300 });
    address = (await collector.start()).grpc;
  });
  after(async () => {
    for (const c of clients) c.close();
    await collector.close();
  });

  const idle = (): Promise<true> => collector.waitFor((c) => c.getStats().callsActive === 0, 5000);

  it('rejects malformed protobuf on every method with INTERNAL, counts it and keeps serving', async () => {
    const stream = rawClient(address, COLLECT, COLLECT_IN_SYNC);
    const management = rawClient(address, COLLECT, KEEP_ALIVE);
    clients.push(stream, management);
    const before = collector.getStats();
    assert.equal(await statusOf(sendRawStream(stream, [encode(segment({ traceSegmentId: 'ok-before', spans: [span({ spanId: 0 })] })), TRUNCATED])), grpc.status.INTERNAL);
    assert.equal(await statusOf(sendRawUnary(stream, TRUNCATED)), grpc.status.INTERNAL);
    assert.equal(await statusOf(sendRawUnary(management, TRUNCATED)), grpc.status.INTERNAL);
    await idle();
    const stats = collector.getStats();
    assert.equal(stats.messagesMalformed - before.messagesMalformed, 3);
    assert.equal(stats.callsAborted - before.callsAborted, 3);
    // The good segment sent before the bad bytes on the same stream was kept.
    assert.ok(collector.segments().some((s) => s.traceSegmentId === 'ok-before'));
    const client = traceClient(address);
    clients.push(client);
    assert.deepEqual(await collect(client, [segment({ traceSegmentId: 'ok-after', spans: [span({ spanId: 0 })] })]), { commands: [] });
  });

  it('survives random bytes (property: every call ends, each is either stored or counted malformed)', async () => {
    const client = rawClient(address, COLLECT, COLLECT_IN_SYNC);
    clients.push(client);
    const before = collector.getStats();
    let ok = 0;
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        try {
          await sendRawUnary(client, Buffer.from(bytes));
          ok++;
        } catch (err) {
          assert.equal((err as grpc.ServiceError).code, grpc.status.INTERNAL);
          bad++;
        }
      }),
      { numRuns: 150 },
    );
    await idle();
    const stats = collector.getStats();
    assert.equal(ok + bad, 150);
    assert.equal(stats.messagesMalformed - before.messagesMalformed, bad);
    assert.equal(stats.collectInSyncCalls - before.collectInSyncCalls, ok);
    assert.ok(bad > 0, 'some random inputs must be invalid protobuf');
  });

  it('rejects a message over maxMessageBytes with RESOURCE_EXHAUSTED, and accepts one just under', async () => {
    const client = traceClient(address);
    clients.push(client);
    const before = collector.getStats();
    const tag = (n: number) => [{ key: 'big', value: 'x'.repeat(n) }];
    const under = segment({ traceSegmentId: 'under', spans: [span({ spanId: 0, tags: tag(60 * 1024) })] });
    const over = segment({ traceSegmentId: 'over', spans: [span({ spanId: 0, tags: tag(1024 * 1024) })] });
    assert.ok(encode(under).length < 64 * 1024 && encode(over).length > 1024 * 1024);
    await collect(client, [under]);
    assert.equal(await statusOf(collect(client, [over])), grpc.status.RESOURCE_EXHAUSTED);
    await idle();
    const stats = collector.getStats();
    assert.ok(collector.segments().some((s) => s.traceSegmentId === 'under'));
    assert.ok(!collector.segments().some((s) => s.traceSegmentId === 'over'));
    assert.equal(stats.callsAborted - before.callsAborted, 1);
    assert.equal(stats.segmentsReceived - before.segmentsReceived, 1);
  });

  it('rejects a lying 4 GiB length prefix at once, without waiting for or buffering the body', async () => {
    const status = await rawHttp2(address, COLLECT, (stream) => {
      stream.write(frame(Buffer.from('tiny'), 0xffffffff)); // and never send the rest
    });
    assert.equal(status, String(grpc.status.RESOURCE_EXHAUSTED));
    await idle();
  });

  it('keeps an endless stream within maxSegments: oldest evicted and counted', async () => {
    collector.clear();
    const client = traceClient(address);
    clients.push(client);
    const before = collector.getStats();
    const call = client.collect(metadata(), () => undefined);
    const total = 3000;
    for (let i = 0; i < total; i++) {
      call.write(segment({ traceId: `endless-${i % 50}`, traceSegmentId: `endless-${i}`, spans: [span({ spanId: 0 })] }));
    }
    await collector.waitFor((c) => c.getStats().segmentsReceived - before.segmentsReceived === total, 20_000);
    const stats = collector.getStats();
    assert.equal(stats.segmentsStored, 500);
    assert.equal(stats.segmentsEvicted - before.segmentsEvicted, total - 500);
    const held = collector.segments();
    assert.equal(held[0].traceSegmentId, `endless-${total - 500}`);
    assert.equal(held[held.length - 1].traceSegmentId, `endless-${total - 1}`);
    assert.equal(collector.traces().reduce((n, t) => n + t.segments.length, 0), 500);
    assert.equal(stats.callsActive, 1);
    call.cancel();
    await idle();
  });

  it('ends a stream that stays silent for streamIdleTimeoutMillis with DEADLINE_EXCEEDED and frees its slot', async () => {
    const client = traceClient(address);
    clients.push(client);
    const before = collector.getStats();
    const code = await statusOf(
      new Promise((resolve, reject) => {
        const call = client.collect(metadata(), (err, res) => (err ? reject(err) : resolve(res)));
        call.write(segment({ traceSegmentId: 'then-silence', spans: [span({ spanId: 0 })] }));
      }),
    );
    assert.equal(code, grpc.status.DEADLINE_EXCEEDED);
    await idle();
    assert.equal(collector.getStats().streamsIdleTimedOut - before.streamsIdleTimedOut, 1);
    assert.ok(collector.segments().some((s) => s.traceSegmentId === 'then-silence'));
  });

  it('frees calls whose client disconnects abruptly mid-message', async () => {
    const before = collector.getStats();
    await new Promise<void>((resolve) => {
      const [host, port] = address.split(':');
      const socket = netConnect(Number(port), host);
      const session = http2Connect(`http://${address}`, { createConnection: () => socket });
      session.on('error', () => undefined);
      const stream = session.request({ ':method': 'POST', ':path': COLLECT, 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => undefined);
      stream.write(frame(Buffer.alloc(10), 1000), () => {
        void collector.waitFor((c) => c.getStats().callsStarted > before.callsStarted, 5000).then(() => {
          socket.destroy(); // no RST_STREAM, no GOAWAY: the TCP connection just goes away
          resolve();
        });
      });
    });
    await idle();
    assert.equal(collector.getStats().callsAborted - before.callsAborted, 1);
    assert.equal(collector.getStats().segmentsReceived, before.segmentsReceived);
  });

  it('frees calls the client resets (RST_STREAM) in the middle of a stream', async () => {
    const before = collector.getStats();
    const status = await rawHttp2(address, COLLECT, (stream) => {
      stream.write(frame(encode(segment({ traceSegmentId: 'before-reset', spans: [span({ spanId: 0 })] }))));
      stream.write(frame(Buffer.alloc(3), 100), () => {
        void collector.waitFor((c) => c.segments().some((s) => s.traceSegmentId === 'before-reset'), 5000).then(() => stream.close(h2.NGHTTP2_CANCEL));
      });
    });
    assert.equal(status, 'reset');
    await idle();
    assert.equal(collector.getStats().callsAborted - before.callsAborted, 1);
  });

  it('drops connections that do not speak HTTP/2 and keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const socket = netConnect(Number(address.split(':')[1]), '127.0.0.1', () => {
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'garbage'.repeat(1000));
      });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    const client = traceClient(address);
    clients.push(client);
    assert.deepEqual(await collect(client, [segment({ traceSegmentId: 'after-garbage', spans: [span({ spanId: 0 })] })]), { commands: [] });
    await idle();
  });

  it('refuses calls beyond maxConcurrentStreams with RESOURCE_EXHAUSTED and serves again once they end', async () => {
    const before = collector.getStats();
    // Separate connections, so the HTTP/2 per-connection limit does not just queue them client-side.
    const own = (): ReturnType<typeof traceClient> => {
      const c = traceClient(address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
      clients.push(c);
      return c;
    };
    const open: Array<{ end(): void }> = [];
    for (let i = 0; i < 4; i++) {
      const call = own().collect(metadata(), () => undefined);
      call.write(segment({ traceSegmentId: `held-${i}`, spans: [span({ spanId: 0 })] }));
      open.push(call);
    }
    await collector.waitFor((c) => c.getStats().callsActive === 4 && c.segments().filter((s) => s.traceSegmentId.startsWith('held-')).length === 4, 5000);
    assert.equal(await statusOf(collect(own(), [segment({ traceSegmentId: 'fifth', spans: [span({ spanId: 0 })] })])), grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(collector.getStats().callsOverLimit - before.callsOverLimit, 1);
    assert.ok(!collector.segments().some((s) => s.traceSegmentId === 'fifth'));
    for (const call of open) call.end();
    await idle();
    await collect(own(), [segment({ traceSegmentId: 'sixth', spans: [span({ spanId: 0 })] })]);
    assert.ok(collector.segments().some((s) => s.traceSegmentId === 'sixth'));
  });
});

describe('collector byte budget', { timeout: 30_000 }, () => {
  it('evicts the oldest segments beyond maxStoredBytes and keeps storedBytes within it', async () => {
    const collector = new SkyWalkingCollector({ maxStoredBytes: 20_000 });
    const { grpc: address } = await collector.start();
    const client = traceClient(address);
    try {
      const segments = Array.from({ length: 40 }, (_, i) =>
        segment({ traceSegmentId: `b-${i}`, spans: [span({ spanId: 0, tags: [{ key: 'pad', value: 'p'.repeat(1000) }] })] }),
      );
      await collect(client, segments);
      const stats = collector.getStats();
      assert.ok(stats.storedBytes <= 20_000, `stored ${stats.storedBytes}`);
      assert.ok(stats.segmentsStored >= 15 && stats.segmentsStored < 40, `stored ${stats.segmentsStored}`);
      assert.equal(stats.segmentsEvicted, 40 - stats.segmentsStored);
      assert.equal(collector.segments().at(-1)?.traceSegmentId, 'b-39');
    } finally {
      client.close();
      await collector.close();
    }
  });
});
