import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, TraceFlags, diag, trace, type Context, type Span } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  RefType,
  SegmentTracker,
  identityOf,
  setIncomingSw8,
  setSw8Extension,
  swSpanOf,
  toOtelSpanId,
  toOtelTraceId,
  type Segment,
  type SegmentTrackerOptions,
} from '../src';

function setup(options: SegmentTrackerOptions = {}) {
  const ended: Array<[Segment, string]> = [];
  const tracker = new SegmentTracker({ ...options, onSegmentEnd: (s, r) => ended.push([s, r]) });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders', 'service.instance.id': 'orders-1' }),
    spanProcessors: [tracker],
  });
  const tracer = provider.getTracer('test');
  const child = (parent: Span, name = 'child', kind = SpanKind.INTERNAL) =>
    tracer.startSpan(name, { kind }, trace.setSpan(ROOT_CONTEXT, parent));
  return { tracker, tracer, ended, child };
}

describe('SegmentTracker', () => {
  it('gives a local root span id 0 and its children dense ids in start order', () => {
    const { tracer, child, ended } = setup();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.route': '/orders/:id' } });
    const a = child(root, 'a');
    const b = child(root, 'b', SpanKind.CLIENT);
    const c = child(a, 'c');
    const ids = [root, a, b, c].map((s) => [swSpanOf(s)!.spanId, swSpanOf(s)!.parentSpanId]);
    assert.deepEqual(ids, [[0, -1], [1, 0], [2, 0], [3, 1]]);
    const segment = swSpanOf(root)!.segment;
    assert.equal(segment.service, 'orders');
    assert.equal(segment.instance, 'orders-1');
    assert.equal(segment.endpoint, 'GET:/orders/:id');
    assert.equal(segment.traceId, root.spanContext().traceId);
    for (const s of [c, b, a]) s.end();
    assert.equal(ended.length, 0, 'segment stays open while its root is open');
    root.end();
    assert.equal(ended.length, 1);
    assert.equal(ended[0][0].spanCount, 4);
    assert.equal(ended[0][1], 'ended');
  });

  it('opens a new segment with a CrossThread ref for a span starting after its segment ended', () => {
    const { tracer, child, tracker } = setup();
    const root = tracer.startSpan('job');
    const exit = child(root, 'exit', SpanKind.CLIENT);
    exit.end();
    root.end();
    const late = child(exit, 'late-callback');
    const sw = swSpanOf(late)!;
    assert.equal(sw.spanId, 0);
    assert.equal(sw.parentSpanId, -1);
    const parent = swSpanOf(root)!.segment;
    assert.notEqual(sw.segment.id, parent.id);
    assert.deepEqual(sw.segment.ref, {
      refType: RefType.CrossThread,
      traceId: parent.traceId,
      parentTraceSegmentId: parent.id,
      parentSpanId: 1,
      parentService: 'orders',
      parentServiceInstance: 'orders-1',
      parentEndpoint: 'job',
      networkAddressUsedAtPeer: '',
    });
    assert.equal(tracker.getStats().crossThreadSegments, 1);
  });

  it('turns an incoming sw8 into the local root CrossProcess ref and keeps the original trace id', () => {
    const { tracer } = setup();
    const swTraceId = '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001';
    const otelTraceId = toOtelTraceId(swTraceId);
    let ctx: Context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: otelTraceId,
      spanId: toOtelSpanId('parentseg', 4),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    ctx = setIncomingSw8(ctx, {
      sampled: true,
      traceId: swTraceId,
      otelTraceId,
      parentSegmentId: 'parentseg',
      parentSpanId: 4,
      parentService: 'gateway',
      parentServiceInstance: 'gw-1',
      parentEndpoint: '{GET}/api',
      targetAddress: 'orders:8080',
    });
    ctx = setSw8Extension(ctx, { skipAnalysis: true });
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ctx);
    const segment = swSpanOf(entry)!.segment;
    assert.equal(segment.traceId, swTraceId);
    assert.equal(segment.skipAnalysis, true);
    assert.deepEqual(segment.ref, {
      refType: RefType.CrossProcess,
      traceId: swTraceId,
      parentTraceSegmentId: 'parentseg',
      parentSpanId: 4,
      parentService: 'gateway',
      parentServiceInstance: 'gw-1',
      parentEndpoint: '{GET}/api',
      networkAddressUsedAtPeer: 'orders:8080',
    });
  });

  it('ignores an incoming sw8 that belongs to another trace than the remote parent', () => {
    const { tracer } = setup();
    let ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    ctx = setIncomingSw8(ctx, {
      sampled: true,
      traceId: 'other',
      otelTraceId: toOtelTraceId('other'),
      parentSegmentId: 's',
      parentSpanId: 0,
      parentService: 'a',
      parentServiceInstance: 'b',
      parentEndpoint: '',
      targetAddress: '',
    });
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ctx);
    assert.equal(swSpanOf(entry)!.segment.ref, undefined);
  });

  it('caps open segments, evicting the oldest and counting it', () => {
    const { tracer, tracker, ended } = setup({ maxOpenSegments: 3 });
    const roots = Array.from({ length: 5 }, (_, i) => tracer.startSpan(`r${i}`));
    const stats = tracker.getStats();
    assert.equal(stats.openSegments, 3);
    assert.equal(stats.evictedByCap, 2);
    assert.deepEqual(ended.map(([s, r]) => [s.root.name, r]), [['r0', 'evicted'], ['r1', 'evicted']]);
    // A child of an evicted segment is a late child: new segment, CrossThread ref.
    const late = tracer.startSpan('late', {}, trace.setSpan(ROOT_CONTEXT, roots[0]));
    assert.equal(swSpanOf(late)!.segment.ref?.refType, RefType.CrossThread);
    for (const r of roots) r.end();
    assert.ok(tracker.getStats().openSegments <= 3);
  });

  it('lists open segments oldest first while segments end in any order', () => {
    const { tracer, tracker } = setup({ maxOpenSegments: 4 });
    const roots = Array.from({ length: 5 }, (_, i) => tracer.startSpan(`r${i}`));
    const names = () => tracker.openSegments().map((s) => s.root.name);
    assert.deepEqual(names(), ['r1', 'r2', 'r3', 'r4'], 'r0 evicted by the cap');
    roots[2].end(); // middle
    roots[4].end(); // newest
    roots[1].end(); // oldest
    assert.deepEqual(names(), ['r3']);
    roots[0].end(); // already evicted: nothing changes
    assert.deepEqual(names(), ['r3']);
    const next = tracer.startSpan('r5');
    assert.deepEqual(names(), ['r3', 'r5']);
    roots[3].end();
    next.end();
    assert.deepEqual(names(), []);
    assert.equal(tracker.getStats().openSegments, 0);
    tracer.startSpan('r6');
    void tracker.shutdown();
    assert.deepEqual(names(), []);
    assert.equal(tracker.getStats().openSegments, 0);
  });

  it('evicts segments older than the age limit', async () => {
    const { tracer, tracker } = setup({ maxSegmentAgeMillis: 1 });
    tracer.startSpan('leaked');
    await new Promise((r) => setTimeout(r, 5));
    tracer.startSpan('next');
    assert.equal(tracker.getStats().evictedByAge, 1);
    assert.equal(tracker.getStats().openSegments, 1);
  });

  it('still reads the deprecated maxSegmentAgeMs', async () => {
    const { tracer, tracker } = setup({ maxSegmentAgeMs: 1 });
    tracer.startSpan('leaked');
    await new Promise((r) => setTimeout(r, 5));
    tracer.startSpan('next');
    assert.equal(tracker.getStats().evictedByAge, 1);
  });

  it('keeps the endpoint current as the root is renamed or gets its route', () => {
    const { tracer } = setup();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/orders/7' } });
    const segment = swSpanOf(root)!.segment;
    assert.equal(segment.endpoint, 'GET:/orders/7');
    assert.equal(segment.endpointWith('/orders/:id'), 'GET:/orders/:id', 'a route known from the framework');
    assert.equal(segment.endpoint, 'GET:/orders/7');
    root.setAttribute('http.route', '/orders/:id');
    assert.equal(segment.endpoint, 'GET:/orders/:id');
    const job = tracer.startSpan('nightly');
    const jobSegment = swSpanOf(job)!.segment;
    assert.equal(jobSegment.endpoint, 'nightly');
    job.updateName('nightly-2');
    assert.equal(jobSegment.endpoint, 'nightly-2');
  });

  it('lets the first tracker own a span when two are registered', () => {
    const first = new SegmentTracker();
    const second = new SegmentTracker();
    const provider = new BasicTracerProvider({ spanProcessors: [first, second] });
    const span = provider.getTracer('t').startSpan('x');
    assert.equal(swSpanOf(span)!.segment.owner, first);
    span.end();
    assert.equal(first.getStats().segmentsEnded, 1);
    assert.equal(second.getStats().segmentsStarted, 0);
  });
});

describe('identity of a resource still detecting attributes', () => {
  it('reads service names from the settled raw attributes, first value winning, without the OpenTelemetry error', async () => {
    const errors: string[] = [];
    diag.setLogger({ error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.ERROR);
    const pending = new Promise<string>(() => undefined);
    const resource = resourceFromAttributes({ 'service.name': 'checkout', 'host.id': pending as unknown as string }).merge(
      resourceFromAttributes({ 'service.name': 'overridden-default', 'service.instance.id': 'checkout-7' }),
    );
    assert.equal(resource.asyncAttributesPending, true);
    assert.deepEqual(identityOf(resource), { service: 'overridden-default', instance: 'checkout-7' });
    assert.deepEqual(errors, []);
    diag.disable();
  });
});
