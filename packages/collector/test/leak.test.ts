/**
 * Hundreds of bad clients in a row (abrupt disconnects mid-message, malformed messages, oversized
 * messages, idle streams) leave no calls open and no growing heap behind.
 */
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SkyWalkingCollector } from '../src';
import { collect, segment, span, statusOf, traceClient } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COLLECT = '/skywalking.v3.TraceSegmentReportService/collect';

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Opens a collect stream on its own TCP connection, sends half a message, and drops the connection. */
function abruptClient(address: string, collector: SkyWalkingCollector, startedBefore: number): Promise<void> {
  return new Promise((resolve) => {
    const [host, port] = address.split(':');
    const socket = netConnect(Number(port), host);
    const session = http2Connect(`http://${address}`, { createConnection: () => socket });
    session.on('error', () => undefined);
    const stream = session.request({ ':method': 'POST', ':path': COLLECT, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    const head = Buffer.from([0, 0, 0, 0x10, 0]); // claims 4096 bytes
    stream.write(Buffer.concat([head, Buffer.alloc(100)]), () => {
      void collector.waitFor((c) => c.getStats().callsStarted > startedBefore, 5000).then(() => {
        socket.destroy();
        resolve();
      });
    });
  });
}

describe('no leaks under repeated bad clients', { timeout: 120_000 }, () => {
  it('keeps callsActive at 0 and the heap flat over 300 rounds of bad clients', async () => {
    const collector = new SkyWalkingCollector({ maxMessageBytes: 16 * 1024, streamIdleTimeoutMillis: 5000 });
    const { grpc: address } = await collector.start();
    const client = traceClient(address);
    const big = segment({ traceSegmentId: 'big', spans: [span({ spanId: 0, tags: [{ key: 'x', value: 'x'.repeat(32 * 1024) }] })] });
    const round = async (): Promise<void> => {
      await abruptClient(address, collector, collector.getStats().callsStarted);
      await statusOf(collect(client, [big]));
      await collect(client, [segment({ traceSegmentId: 'ok', spans: [span({ spanId: 0 })] })]);
    };
    try {
      for (let i = 0; i < 50; i++) await round(); // warm up lazily created state
      await collector.waitFor((c) => c.getStats().callsActive === 0, 5000);
      collector.clear();
      const before = heapAfterGc();
      for (let i = 0; i < 300; i++) await round();
      await collector.waitFor((c) => c.getStats().callsActive === 0, 5000);
      collector.clear();
      const grown = heapAfterGc() - before;
      const stats = collector.getStats();
      assert.equal(stats.callsActive, 0);
      assert.equal(stats.callsAborted, 2 * 350, 'one abrupt and one oversized call per round');
      assert.equal(stats.segmentsReceived, 350);
      assert.ok(grown < 4 * 1024 * 1024, `heap grew by ${grown} bytes over 300 rounds`);
    } finally {
      client.close();
      await collector.close();
    }
  });
});
