/**
 * A sampled-out entry is a non-recording span with valid ids: children in every async branch see
 * it as parent, every injected header carries its trace id unsampled plus the baggage, exporters
 * see nothing, and no span API call fails. (SkyWalking's Go agent failed with "span type is
 * wrong" creating exit spans under a not-sampled entry from several goroutines.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { parseHeaders, injectFor, setUpTracing, type Tracing } from './tracing';

let tracing: Tracing;

before(() => {
  tracing = setUpTracing({ ratio: 0 });
});

after(async () => {
  await tracing.shutdown();
});

interface ExitSeen {
  branch: string;
  parent: Span | undefined;
  span: Span;
  headers: Record<string, string>;
}

/** What instrumentations do for an exit: start a CLIENT span under the active context, inject, use every span API. */
function exit(branch: string, seen: ExitSeen[]): Span {
  const parent = trace.getActiveSpan();
  const span = tracing.tracer.startSpan(`exit ${branch}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'server.address': 'downstream.local', 'server.port': 8080 },
  });
  const headers = injectFor(span);
  // none of these may throw on a non-recording span
  span.setAttribute('db.statement', 'find({})');
  span.setAttributes({ 'http.response.status_code': 200 });
  span.addEvent('sent', { bytes: 10 });
  span.addLink({ context: span.spanContext() });
  span.recordException(new Error('upstream said no'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  span.updateName('renamed');
  seen.push({ branch, parent, span, headers });
  return span;
}

function startEntry(): { entry: Span; ctx: Context } {
  const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
  const base = propagation.setBaggage(ROOT_CONTEXT, baggage);
  const entry = tracing.tracer.startSpan(
    'GET',
    { kind: SpanKind.SERVER, attributes: { 'url.path': '/orders', 'http.request.method': 'GET' } },
    base,
  );
  return { entry, ctx: trace.setSpan(base, entry) };
}

function assertAllUnsampledUnder(entry: Span, seen: ExitSeen[], expected: number): void {
  assert.equal(seen.length, expected);
  const traceId = entry.spanContext().traceId;
  const spanIds = new Set<string>();
  for (const { branch, parent, span, headers } of seen) {
    assert.ok(parent !== undefined, `${branch}: no active span`);
    assert.equal(parent.spanContext().traceId, traceId, `${branch}: parent trace`);
    assert.equal(span.isRecording(), false, branch);
    const sc = span.spanContext();
    assert.equal(sc.traceId, traceId, `${branch}: child trace id`);
    assert.equal(sc.traceFlags, TraceFlags.NONE, branch);
    assert.match(sc.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(sc.spanId, '0000000000000000');
    spanIds.add(sc.spanId);

    const parsed = parseHeaders(headers);
    assert.deepEqual(parsed.traceparent, { traceId, spanId: sc.spanId, flags: '00' }, `${branch}: traceparent`);
    assert.ok(parsed.sw8 !== undefined, `${branch}: sw8 missing or invalid: ${headers.sw8}`);
    assert.equal(parsed.sw8.sampled, false, branch);
    assert.equal(parsed.sw8.traceId, traceId, `${branch}: sw8 trace id`);
    assert.ok(parsed.sw8.parentSegmentId.length > 0);
    assert.equal(parsed.baggage, 'tenant=acme', branch);
    assert.equal(parsed.correlation.get('tenant'), 'acme', branch);
  }
  assert.equal(spanIds.size, seen.length, 'every exit has its own span id');
}

describe('a sampled-out entry (ratio 0) still carries its context', () => {
  it('children in promises, timers, immediates, event emitters and Promise.all of 50 exits see it as parent', async () => {
    const { entry, ctx } = startEntry();
    assert.equal(entry.isRecording(), false);
    assert.equal(trace.isSpanContextValid(entry.spanContext()), true);
    const seen: ExitSeen[] = [];

    await context.with(ctx, async () => {
      const emitter = new EventEmitter();
      emitter.on('message', (n: number) => exit(`emitter ${n}`, seen).end());
      await Promise.all([
        (async () => {
          await Promise.resolve();
          exit('microtask', seen).end();
        })(),
        new Promise<void>((resolve) =>
          setTimeout(() => {
            exit('timer', seen).end();
            resolve();
          }, 1),
        ),
        new Promise<void>((resolve) =>
          setImmediate(() => {
            exit('immediate', seen).end();
            resolve();
          }),
        ),
        new Promise<void>((resolve) => process.nextTick(() => resolve(void exit('nextTick', seen).end()))),
        (async () => {
          await sleep(2);
          emitter.emit('message', 1);
          setTimeout(() => emitter.emit('message', 2), 1);
          await once(emitter, 'message');
        })(),
        // the Go agent's failing shape: many concurrent exits, each ending before the next starts
        Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            await sleep(i % 5);
            const first = exit(`all ${i}a`, seen);
            first.end();
            await Promise.resolve();
            exit(`all ${i}b`, seen).end();
          }),
        ),
      ]);
    });
    entry.end();

    assertAllUnsampledUnder(entry, seen, 6 + 100);
    assert.equal(tracing.exporter.getFinishedSpans().length, 0, 'the exporter saw spans');
    assert.equal(tracing.segments.getStats().segmentsStarted, 0, 'segment bookkeeping saw spans');
  });

  it('a child of a sampled-out child, started after its parent ended, stays in the trace', async () => {
    const { entry, ctx } = startEntry();
    const seen: ExitSeen[] = [];
    await context.with(ctx, async () => {
      const local = tracing.tracer.startSpan('work');
      const localCtx = trace.setSpan(context.active(), local);
      local.end();
      await sleep(1);
      await context.with(localCtx, async () => {
        await Promise.all([exit('nested a', seen), exit('nested b', seen)].map(async (span) => span.end()));
      });
    });
    entry.end();
    assertAllUnsampledUnder(entry, seen, 2);
    for (const { parent } of seen) assert.notEqual(parent, entry, 'the direct parent is the local span');
  });

  it('startActiveSpan and context.bind work with non-recording spans', async () => {
    const { entry, ctx } = startEntry();
    const seen: ExitSeen[] = [];
    const bound = context.bind(ctx, () => exit('bound', seen).end());
    setTimeout(bound, 1);
    await sleep(5);
    const result = await tracing.tracer.startActiveSpan('active', {}, ctx, async (span) => {
      await sleep(1);
      exit('inside startActiveSpan', seen).end();
      span.end();
      return 42;
    });
    assert.equal(result, 42);
    entry.end();
    entry.end(); // ending twice is harmless too
    assertAllUnsampledUnder(entry, seen, 2);
    assert.equal(tracing.exporter.getFinishedSpans().length, 0);
  });

  it('counts every decision: one root refused by the ratio, children follow their unsampled parent', () => {
    const stats = tracing.sampler.getStats();
    assert.equal(stats.notSampled.ratio, 3);
    // 106 + 2 + (1 local + 2) + (1 active + 2): every child followed its parent
    assert.equal(stats.notSampled.parent, 106 + 3 + 3);
    assert.equal(stats.sampled.root + stats.sampled.parent + stats.sampled.remoteParent, 0);
    assert.equal(stats.decisions, 3 + 112);
  });
});
