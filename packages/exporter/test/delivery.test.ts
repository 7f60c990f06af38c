/**
 * Delivery that keeps its word, through real sockets with our collector as the OAP: flush and
 * shutdown wait for the export the batch timer already started; a collector that comes back is
 * sent to as soon as its channel is READY; a dead first address does not cost the first batch; a
 * TLS failure says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SegmentObject } from '@otel-skywalking/core/protocol';
import { SkyWalkingSpanProcessor, SkyWalkingTraceExporter, type SkyWalkingExporterStats } from '../src';
import { refusingServer, statusServer } from './fault-servers';
import { makeCertificates, providerFor, requestSegment, sleep, startCollector } from './helpers';

function spanCount(segments: SegmentObject[]): number {
  let spans = 0;
  for (const segment of segments) spans += segment.spans.length;
  return spans;
}

function dropped(stats: SkyWalkingExporterStats): number {
  return Object.values(stats.droppedSpans).reduce((a, b) => a + b, 0);
}

const RACES = 40;

test('forceFlush() and shutdown() race the batch timer: everything that ended before them is delivered before they resolve', async () => {
  const { collector, address } = await startCollector();
  try {
    let expected = 0;
    for (let round = 0; round < RACES; round++) {
      const processor = new SkyWalkingSpanProcessor({ collector: address, scheduledDelayMillis: 2, heartbeatIntervalMillis: 0 });
      const provider = providerFor(`race-${round}`, processor);
      let produced = 0;
      // Segments end in a few turns, so that the timer fires (and its export starts) around the call below.
      for (let turn = 0; turn < 4; turn++) {
        for (let i = 0; i < 5; i++) produced += requestSegment(provider, i);
        await new Promise((resolve) => (turn % 2 === 0 ? setImmediate(resolve) : setTimeout(resolve, round % 4)));
      }
      if (round % 2 === 1) {
        await processor.forceFlush();
        assert.equal(processor.getStats().spansExported, produced, `round ${round}: forceFlush`);
        assert.equal(spanCount(collector.segments()), expected + produced, `round ${round}: forceFlush`);
      }
      await provider.shutdown();
      const stats = processor.getStats();
      // Counted before shutdown() resolved: nothing arrives or is dropped after it.
      assert.equal(stats.spansExported, produced, `round ${round}: ${JSON.stringify(stats.droppedSpans)}`);
      assert.equal(dropped(stats), 0);
      expected += produced;
      assert.equal(spanCount(collector.segments()), expected, `round ${round}: the collector has what the app counted`);
    }
  } finally {
    await collector.close();
  }
});

test('the exporter under a plain BatchSpanProcessor: its forceFlush() and shutdown() wait for the export the timer started', async () => {
  const { collector, address } = await startCollector();
  try {
    let expected = 0;
    for (let round = 0; round < RACES; round++) {
      const exporter = new SkyWalkingTraceExporter({ collector: address, heartbeatIntervalMillis: 0 });
      const provider = providerFor(`plain-${round}`, new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1 }));
      let produced = 0;
      for (let i = 0; i < 5; i++) produced += requestSegment(provider, i);
      await new Promise((resolve) => setTimeout(resolve, round % 3));
      if (round % 2 === 0) {
        // The batch processor's forceFlush() does not wait for the export its timer started (nor
        // call the exporter's): the exporter's own forceFlush() does.
        await provider.forceFlush();
        await exporter.forceFlush();
        assert.equal(exporter.getStats().spansExported, produced, `round ${round}: forceFlush`);
      }
      await provider.shutdown();
      const stats = exporter.getStats();
      assert.equal(stats.spansExported, produced, `round ${round}: ${JSON.stringify(stats.droppedSpans)}`);
      assert.equal(dropped(stats), 0);
      expected += produced;
      assert.equal(spanCount(collector.segments()), expected);
    }
  } finally {
    await collector.close();
  }
});

test('SW_AGENT_COLLECTOR_BACKEND_SERVICES=dead,live: the first batch goes to the live address in the same export', async () => {
  const dead = await refusingServer();
  const { collector, address } = await startCollector();
  process.env.SW_AGENT_COLLECTOR_BACKEND_SERVICES = `${dead.address},${address}`;
  let processor: SkyWalkingSpanProcessor;
  try {
    processor = new SkyWalkingSpanProcessor({ scheduledDelayMillis: 10, heartbeatIntervalMillis: 0 });
  } finally {
    delete process.env.SW_AGENT_COLLECTOR_BACKEND_SERVICES;
  }
  const provider = providerFor('failover', processor);
  try {
    let produced = 0;
    for (let i = 0; i < 6; i++) produced += requestSegment(provider, i);
    await provider.shutdown();
    assert.equal(processor.getStats().spansExported, produced, JSON.stringify(processor.getStats().droppedSpans));
    assert.equal(collector.segments().length, 6);
  } finally {
    await provider.shutdown();
    await collector.close();
    await dead.close();
  }
});

const WINDOWS = 10;
const WINDOW_MS = 1000;
const SCHEDULE_MS = 100;

/**
 * A TCP proxy to `target` that can be switched off (connections refused, open ones cut) and on:
 * the collector stays up and keeps what it got; `accepted` is when the exporter's channel
 * connected (READY follows within the HTTP/2 handshake).
 */
async function switchableProxy(target: number): Promise<{ port: number; up(): Promise<number>; down(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    server = createServer((socket) => {
      accepted ||= Date.now();
      const upstream = connect(target, '127.0.0.1');
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          sockets.delete(s);
          socket.destroy();
          upstream.destroy();
        });
      }
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    port,
    async up() {
      accepted = 0;
      await listen();
      return accepted;
    },
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    get accepted() {
      return accepted;
    },
  } as { port: number; up(): Promise<number>; down(): Promise<void>; readonly accepted: number };
}

test('a flapping collector: the circuit follows the channel, so every up window delivers, one schedule delay after READY', async (t) => {
  const { collector, address } = await startCollector();
  const proxy = (await switchableProxy(Number(address.split(':')[1]))) as Awaited<ReturnType<typeof switchableProxy>> & { readonly accepted: number };
  await proxy.down();
  const processor = new SkyWalkingSpanProcessor({
    collector: `127.0.0.1:${proxy.port}`,
    scheduledDelayMillis: SCHEDULE_MS,
    timeoutMillis: 500,
    // The circuit's own backoff (250-500 ms, doubling per failed probe, to 30 s) soon outgrows a
    // window of 1 s: only the channel turning READY closes it in time. grpc-js reconnects from
    // 500 ms, ×1.6 per attempt, and starts over once connected.
    backoffInitialMillis: 500,
    heartbeatIntervalMillis: 0,
  });
  const provider = providerFor('flapping', processor);
  let running = true;
  let produced = 0;
  const producer = (async () => {
    while (running) {
      for (let i = 0; i < 4; i++) produced += requestSegment(provider, i);
      await sleep(5);
    }
  })();
  const delivered: number[] = [];
  const afterConnect: number[] = [];
  try {
    await sleep(WINDOW_MS); // down first: the circuit opens
    for (let window = 0; window < WINDOWS; window++) {
      const before = collector.segments().length;
      await proxy.up();
      const upAt = Date.now();
      let firstAt = 0;
      while (Date.now() - upAt < WINDOW_MS) {
        if (firstAt === 0 && collector.segments().length > before) firstAt = Date.now();
        await sleep(5);
      }
      delivered.push(collector.segments().length - before);
      afterConnect.push(firstAt === 0 || proxy.accepted === 0 ? -1 : firstAt - proxy.accepted);
      await proxy.down();
      await sleep(WINDOW_MS);
    }
  } finally {
    running = false;
    await producer;
    await provider.shutdown();
    await collector.close();
  }
  const windowsDelivering = delivered.filter((n) => n > 0).length;
  t.diagnostic(`segments per up window: ${delivered.join(', ')}; ms from the channel connecting to the first segment: ${afterConnect.join(', ')}`);
  assert.ok(windowsDelivering >= 9, `only ${windowsDelivering} of ${WINDOWS} up windows delivered: ${delivered.join(', ')}`);
  // Within one schedule delay of READY (the next batch), plus the export itself on a busy machine.
  const sorted = afterConnect.filter((ms) => ms >= 0).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  assert.ok(median <= SCHEDULE_MS + 150, `the first segment came ${median} ms (median) after the channel connected`);
  const stats = processor.getStats();
  assert.equal(stats.spansExported + dropped(stats), produced, 'every span delivered or counted');
});

test('a connected collector that answers errors keeps the circuit open for its backoff (no probe per batch)', async () => {
  const fault = await statusServer(grpc.status.UNAVAILABLE);
  const processor = new SkyWalkingSpanProcessor({
    collector: fault.address,
    scheduledDelayMillis: 10,
    circuitFailureThreshold: 2,
    backoffInitialMillis: 2000,
    heartbeatIntervalMillis: 0,
  });
  const provider = providerFor('erroring', processor);
  try {
    for (let turn = 0; turn < 100; turn++) {
      requestSegment(provider, turn);
      await sleep(10);
    }
    const stats = processor.getStats();
    assert.ok(stats.droppedSpans.circuit_open > 0, JSON.stringify(stats.droppedSpans));
    // two failures open it; the backoff (1-2 s) lets at most one probe through in this second
    assert.ok(stats.exportsFailed <= 4, `${stats.exportsFailed} exports failed`);
  } finally {
    await provider.shutdown();
    await fault.close();
  }
});

test('every TLS failure reports its real cause through diag', async () => {
  const certs = makeCertificates();
  const tlsCollector = await startCollector({ tls: { key: certs.serverKey, cert: certs.serverCert } });
  const mtlsCollector = await startCollector({ tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca } });
  const plain = await startCollector();
  const messages: string[] = [];
  const record = (message: string): void => void messages.push(message);
  diag.setLogger({ error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const base = { scheduledDelayMillis: 10, connectTimeoutMillis: 2000, heartbeatIntervalMillis: 0 };
  const cases: Array<[string, () => SkyWalkingSpanProcessor, RegExp]> = [
    ['a certificate no CA we trust signed', () => new SkyWalkingSpanProcessor({ ...base, collector: tlsCollector.address, tls: { ca: certs.otherCa } }), /not trusted: its CA goes in SW_AGENT_SSL_TRUSTED_CA_PATH/],
    ['plaintext to a TLS collector', () => new SkyWalkingSpanProcessor({ ...base, collector: tlsCollector.address }), /if the OAP expects TLS, set SW_AGENT_FORCE_TLS/],
    ['TLS to a plaintext collector', () => new SkyWalkingSpanProcessor({ ...base, collector: plain.address, tls: { ca: certs.ca } }), /TLS: wrong version number \(the OAP does not speak TLS/],
    ['a CA that is not PEM', () => new SkyWalkingSpanProcessor({ ...base, collector: tlsCollector.address, tls: { ca: 'not a certificate' } }), /SW_AGENT_SSL_TRUSTED_CA_PATH does not hold a PEM CA certificate/],
    ['mutual TLS without a client certificate', () => new SkyWalkingSpanProcessor({ ...base, collector: mtlsCollector.address, tls: { ca: certs.ca } }), /certificate required \(the OAP requires a client certificate/],
  ];
  try {
    for (const [name, make, expected] of cases) {
      messages.length = 0;
      const processor = make();
      const provider = providerFor('tls', processor);
      requestSegment(provider, 1);
      await processor.forceFlush();
      await provider.shutdown();
      assert.equal(processor.getStats().spansExported, 0, name);
      assert.ok(messages.some((m) => expected.test(m)), `${name}: ${messages.join(' | ')}`);
      assert.ok(!messages.every((m) => /no connection to the OAP at [^:]+:\d+$/.test(m)), `${name}: a cause is given`);
    }
  } finally {
    diag.disable();
    await Promise.all([tlsCollector.collector.close(), mtlsCollector.collector.close(), plain.collector.close()]);
  }
});
