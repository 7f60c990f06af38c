/**
 * (b) samplePer3Secs over ~10 s of load through real HTTP, with the window clock injected so the
 * counts per window are exact: traces started here stay within N per window, while entries under
 * a sampled remote parent (traceparent flag or sw8 sample=1) are always recorded, children too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeSw8, toOtelTraceId } from '@otel-skywalking/core';
import { SAMPLE_WINDOW_MS } from '../src';
import { ManualClock, newSpanId, newTraceId } from './helpers';
import { getAsClient, startServer, type Server } from './http';
import { setUpTracing, type Tracing } from './tracing';

const N = 6;
const BATCH_MS = 300;
const ROOTS_PER_BATCH = 5;

let tracing: Tracing;
let instrumentation: HttpInstrumentation;
let server: Server;
const clock = new ManualClock();
/** The trace id each remote request was sent with, by path. */
const remoteTraceIds = new Map<string, string>();

function javaStyleId(): string {
  return `${randomUUID().replaceAll('-', '')}.${Math.floor(Math.random() * 200)}.${Date.now()}0001`;
}

async function sendRemote(window: number, batch: number): Promise<void> {
  const requests: Array<Promise<unknown>> = [];
  for (let k = 0; k < 2; k++) {
    const tpPath = `/tp/${window}/${batch}-${k}`;
    const traceId = newTraceId();
    remoteTraceIds.set(tpPath, traceId);
    requests.push(getAsClient(server.url + tpPath, { traceparent: `00-${traceId}-${newSpanId()}-01` }));

    const swPath = `/sw8/${window}/${batch}-${k}`;
    const swTraceId = javaStyleId();
    remoteTraceIds.set(swPath, toOtelTraceId(swTraceId));
    const sw8 = encodeSw8({
      sampled: true,
      traceId: swTraceId,
      parentSegmentId: javaStyleId(),
      parentSpanId: 3,
      parentService: 'java-gateway',
      parentServiceInstance: 'gw-1',
      parentEndpoint: 'GET:/checkout',
      targetAddress: `127.0.0.1:${server.port}`,
    });
    requests.push(getAsClient(server.url + swPath, { sw8 }));
  }
  await Promise.all(requests);
}

async function sendRoots(window: number, batch: number): Promise<void> {
  await Promise.all(
    Array.from({ length: ROOTS_PER_BATCH }, (_, k) => getAsClient(`${server.url}/root/${window}/${batch}-${k}`)),
  );
}

before(async () => {
  tracing = setUpTracing({ samplePer3Secs: N, clock: clock.read });
  instrumentation = new HttpInstrumentation();
  server = await startServer((_req, res) => {
    trace.getTracer('app').startSpan('work').end();
    res.end('ok');
  });
});

after(async () => {
  await server.close();
  instrumentation.disable();
  await tracing.shutdown();
});

function serverSpans(): ReadableSpan[] {
  return tracing.exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
}

describe('(b) samplePer3Secs = 6 over 10 s of HTTP load', () => {
  it('records exactly the window limit of new traces per window; remote-sampled entries always', async () => {
    // 4 windows (0-3 s, 3-6 s, 6-9 s, 9-10 s), a batch every 300 ms. Even windows: 8 batches of 5
    // new traces, then 2 batches of 4 remote-sampled entries. Odd windows: a remote batch first.
    const batches = Math.ceil(10_000 / BATCH_MS);
    for (let b = 0; b < batches; b++) {
      clock.now = b * BATCH_MS;
      const window = Math.floor(clock.now / SAMPLE_WINDOW_MS);
      const inWindow = (clock.now % SAMPLE_WINDOW_MS) / BATCH_MS;
      const remote = window % 2 === 0 ? inWindow >= 8 : inWindow === 0 || inWindow === 9;
      if (remote) await sendRemote(window, inWindow);
      else await sendRoots(window, inWindow);
    }

    const rootsPerWindow = new Map<number, number>();
    const remotePerWindow = new Map<number, number>();
    for (const span of serverSpans()) {
      const [, kind, window] = String(span.attributes['url.path']).split('/');
      const map = kind === 'root' ? rootsPerWindow : remotePerWindow;
      map.set(Number(window), (map.get(Number(window)) ?? 0) + 1);
      if (kind === 'root') assert.equal(span.parentSpanContext, undefined);
      else assert.equal(span.parentSpanContext?.isRemote, true);
    }
    // windows 0 and 2: new traces came first and took all N slots
    // windows 1 and 3: 4 remote-sampled entries came first, using 4 of the 6 slots
    assert.deepEqual(
      [...rootsPerWindow.entries()].sort(([a], [b]) => a - b),
      [
        [0, N],
        [1, N - 4],
        [2, N],
        [3, N - 4],
      ],
    );
    // every remote-sampled entry is recorded, even with the window spent
    assert.deepEqual(
      [...remotePerWindow.entries()].sort(([a], [b]) => a - b),
      [
        [0, 8],
        [1, 8],
        [2, 8],
        [3, 4],
      ],
    );
  });

  it('remote-sampled entries keep their trace ids (traceparent and sw8 alike), and their children are recorded', () => {
    const spans = tracing.exporter.getFinishedSpans();
    let remote = 0;
    for (const span of serverSpans()) {
      const path = String(span.attributes['url.path']);
      const expected = remoteTraceIds.get(path);
      if (expected === undefined) continue;
      remote++;
      assert.equal(span.spanContext().traceId, expected, path);
      const children = spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
      assert.deepEqual(children.map((c) => c.name), ['work'], path);
    }
    assert.equal(remote, remoteTraceIds.size);
  });

  it('stats count each decision by reason', () => {
    const stats = tracing.sampler.getStats();
    const roots = 2 * N + 2 * (N - 4);
    const remoteRequests = 3 * 8 + 4;
    assert.equal(stats.sampled.root, roots);
    assert.equal(stats.sampled.remoteParent, remoteRequests);
    assert.equal(stats.sampled.parent, roots + remoteRequests, "each recorded entry's child");
    const rootRequests = (3 * 8 + 3) * ROOTS_PER_BATCH; // windows 0-2: 8 batches each; window 3: 3
    assert.equal(stats.notSampled.limit, rootRequests - roots);
    assert.equal(stats.notSampled.parent, rootRequests - roots, "each refused entry's child");
    assert.equal(tracing.exporter.getFinishedSpans().length, 2 * (roots + remoteRequests));
  });
});
