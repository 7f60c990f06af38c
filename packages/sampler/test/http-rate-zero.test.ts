/**
 * (a) Rate 0 over real HTTP: an instrumented entry runs two, then 50, concurrent exits (outgoing
 * HTTP calls and manual CLIENT spans) through Promise.all and timers. Nothing fails, nothing is
 * recorded, every outgoing request carries the entry's trace id unsampled, and the downstream
 * server continues that trace unsampled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag, DiagLogLevel, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { getAsClient, get, getUntraced, startServer, type Server } from './http';
import { injectFor, parseHeaders, setUpTracing, type Tracing } from './tracing';

interface DownstreamRecord {
  path: string;
  headers: IncomingHttpHeaders;
  traceId: string | undefined;
  traceFlags: number | undefined;
  recording: boolean | undefined;
}

let tracing: Tracing;
let instrumentation: HttpInstrumentation;
let downstream: Server;
let entry: Server;
const received: DownstreamRecord[] = [];
const diagErrors: string[] = [];
const processErrors: unknown[] = [];
const onProcessError = (err: unknown): void => void processErrors.push(err);

/** A manual CLIENT span (as a messaging or RPC library would make) whose headers go out by hand. */
async function manualExit(url: string): Promise<void> {
  const span = trace.getTracer('manual').startSpan('rpc call', {
    kind: SpanKind.CLIENT,
    attributes: { 'server.address': '127.0.0.1', 'server.port': downstream.port, 'rpc.method': 'call' },
  });
  try {
    await getUntraced(url, injectFor(span));
  } finally {
    span.end();
  }
}

before(async () => {
  diag.setLogger(
    {
      error: (m: string) => diagErrors.push(m),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.ERROR,
  );
  process.on('uncaughtException', onProcessError);
  process.on('unhandledRejection', onProcessError);
  tracing = setUpTracing({ ratio: 0 });
  instrumentation = new HttpInstrumentation();

  downstream = await startServer((req, res) => {
    const active = trace.getActiveSpan();
    received.push({
      path: req.url ?? '',
      headers: req.headers,
      traceId: active?.spanContext().traceId,
      traceFlags: active?.spanContext().traceFlags,
      recording: active?.isRecording(),
    });
    res.end('ok');
  });

  entry = await startServer((req, res) => {
    const exits = req.url === '/two' ? 1 : 25; // pairs: one HTTP call, one manual CLIENT span
    const span = trace.getActiveSpan();
    Promise.all(
      Array.from({ length: exits }, async (_, i) => {
        if (i % 3 === 1) await sleep(1);
        if (i % 3 === 2) await new Promise<void>((resolve) => setTimeout(resolve, 0));
        const [response] = await Promise.all([get(`${downstream.url}/http/${i}`), manualExit(`${downstream.url}/manual/${i}`)]);
        if (response.status !== 200) throw new Error(`downstream said ${response.status}`);
      }),
    ).then(
      () => res.end(JSON.stringify({ traceId: span?.spanContext().traceId, recording: span?.isRecording() })),
      (err: Error) => {
        res.statusCode = 500;
        res.end(err.stack);
      },
    );
  });
});

after(async () => {
  await entry.close();
  await downstream.close();
  instrumentation.disable();
  await tracing.shutdown();
  process.off('uncaughtException', onProcessError);
  process.off('unhandledRejection', onProcessError);
  diag.disable();
});

async function runEntry(path: string, expectedExits: number): Promise<void> {
  received.length = 0;
  const response = await getAsClient(`${entry.url}${path}`, { baggage: 'tenant=acme' });
  assert.equal(response.status, 200, response.body);
  const { traceId, recording } = JSON.parse(response.body) as { traceId: string; recording: boolean };
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.equal(recording, false);

  assert.equal(received.length, expectedExits);
  assert.equal(received.filter((r) => r.path.startsWith('/manual/')).length, expectedExits / 2);
  const parentSpanIds = new Set<string>();
  for (const record of received) {
    const parsed = parseHeaders(record.headers);
    assert.equal(parsed.traceparent?.traceId, traceId, `${record.path}: traceparent ${record.headers.traceparent}`);
    assert.equal(parsed.traceparent?.flags, '00', record.path);
    assert.ok(parsed.sw8 !== undefined, `${record.path}: sw8 ${record.headers.sw8}`);
    assert.equal(parsed.sw8.sampled, false, record.path);
    assert.equal(parsed.sw8.traceId, traceId, record.path);
    assert.equal(parsed.baggage, 'tenant=acme', record.path);
    assert.equal(parsed.correlation.get('tenant'), 'acme', record.path);
    parentSpanIds.add(parsed.traceparent.spanId);
    // the downstream server continued the same trace, unsampled
    assert.equal(record.traceId, traceId, `${record.path}: downstream trace`);
    assert.equal(record.traceFlags, TraceFlags.NONE, record.path);
    assert.equal(record.recording, false, record.path);
  }
  assert.equal(parentSpanIds.size, expectedExits, 'each exit is its own span');
}

describe('(a) rate 0 through real HTTP', () => {
  it('an entry with two concurrent exits: nothing recorded, every header unsampled in the same trace', async () => {
    await runEntry('/two', 2);
    assert.equal(tracing.exporter.getFinishedSpans().length, 0);
  });

  it('an entry with 50 concurrent exits through Promise.all and timers: the same', async () => {
    await runEntry('/fifty', 50);
    assert.equal(tracing.exporter.getFinishedSpans().length, 0);
  });

  it('nothing failed, nothing reached an exporter or the segment bookkeeping, every decision counted', () => {
    assert.deepEqual(processErrors, []);
    assert.deepEqual(diagErrors, []);
    assert.equal(tracing.exporter.getFinishedSpans().length, 0);
    assert.equal(tracing.segments.getStats().segmentsStarted, 0);
    const stats = tracing.sampler.getStats();
    assert.deepEqual(stats.sampled, { root: 0, parent: 0, remoteParent: 0 });
    assert.equal(stats.notSampled.ratio, 2, 'the two entries');
    assert.equal(stats.notSampled.parent, 52, 'their HTTP client spans and manual CLIENT spans');
    assert.equal(stats.notSampled.remoteParent, 52, 'the downstream entries');
  });
});
