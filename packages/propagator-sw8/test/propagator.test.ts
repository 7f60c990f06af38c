import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, propagation, trace } from '@opentelemetry/api';
import {
  SW8_HEADER_PIECES,
  decodeSw8,
  decodeSw8Extension,
  encodeSw8,
  getCoreStats,
  getIncomingSw8,
  getSw8Extension,
  localIdentity,
  swSpanOf,
  toOtelTraceId,
  withSendTimestamp,
  type Sw8Header,
} from '@otel-skywalking/core';
import { CompositePropagator, TraceState, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { NOT_SAMPLED_ENDPOINT, Sw8Propagator, createSkyWalkingPropagator } from '../src';
import { clientSpan, extract, inject, tracing } from './helpers';

const upstream: Sw8Header = {
  sampled: true,
  traceId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
  parentSegmentId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430002',
  parentSpanId: 2,
  parentService: 'gateway',
  parentServiceInstance: 'gw-1@10.0.0.1',
  parentEndpoint: '{GET}/api/orders',
  targetAddress: 'orders:8080',
};

describe('createSkyWalkingPropagator', () => {
  const propagator = createSkyWalkingPropagator();

  it('lists every header it writes', () => {
    assert.deepEqual(propagator.fields().sort(), ['baggage', 'sw8', 'sw8-correlation', 'sw8-x', 'traceparent', 'tracestate']);
  });

  it('injects a topology-valid sw8 from an exit span, matching traceparent', () => {
    const { tracer } = tracing();
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders' } });
    const exit = clientSpan(tracer, entry);
    const headers = inject(propagator, trace.setSpan(ROOT_CONTEXT, exit));
    const sw8 = decodeSw8(headers.sw8)!;
    const segment = swSpanOf(entry)!.segment;
    assert.deepEqual(sw8, {
      sampled: true,
      traceId: exit.spanContext().traceId,
      parentSegmentId: segment.id,
      parentSpanId: 1,
      parentService: 'orders',
      parentServiceInstance: 'orders-1',
      parentEndpoint: 'GET:/orders',
      targetAddress: 'inventory:8080',
    });
    assert.equal(headers.traceparent, `00-${exit.spanContext().traceId}-${exit.spanContext().spanId}-01`);
    assert.equal(swSpanOf(exit)!.peer, 'inventory:8080', 'the peer is kept for the exporter');
    assert.equal(headers['sw8-x'], undefined, 'no extension header when there is nothing to say');
  });

  it('writes the right span id and address for every exit of a segment', () => {
    const { tracer } = tracing();
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/a' } });
    const targets = [['inventory', 8080], ['inventory', 8080], ['billing', 9090], ['inventory', 8080]] as const;
    const decoded = targets.map(([host, port]) => decodeSw8(inject(propagator, trace.setSpan(ROOT_CONTEXT, clientSpan(tracer, entry, host, port))).sw8)!);
    assert.deepEqual(decoded.map((h) => [h.parentSpanId, h.targetAddress, h.parentEndpoint]), [
      [1, 'inventory:8080', 'GET:/a'],
      [2, 'inventory:8080', 'GET:/a'],
      [3, 'billing:9090', 'GET:/a'],
      [4, 'inventory:8080', 'GET:/a'],
    ]);
    entry.updateName('renamed');
    entry.setAttribute('http.route', '/b');
    const later = decodeSw8(inject(propagator, trace.setSpan(ROOT_CONTEXT, clientSpan(tracer, entry))).sw8)!;
    assert.equal(later.parentEndpoint, 'GET:/b', 'the endpoint follows the entry span as it is renamed');
    assert.ok(decoded.every((h) => h.parentSegmentId === swSpanOf(entry)!.segment.id));
    // the pieces reused by the next inject are in the slot core declares for them, not in one of its own
    const pieces = swSpanOf(entry)!.segment[SW8_HEADER_PIECES];
    assert.deepEqual(pieces && [pieces.endpoint, pieces.address], ['GET:/b', 'inventory:8080']);
  });

  it('names the endpoint by the route a framework matched before it is on the entry span', async () => {
    const { RPCType, setRPCMetadata } = await import('@opentelemetry/core');
    const { tracer } = tracing();
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/orders/7' } });
    assert.equal(swSpanOf(entry)!.segment.endpoint, 'GET:/orders/7', 'no route yet: the path');
    // express records the route in the RPC metadata when it matches, and on the span only at the end.
    const ctx = setRPCMetadata(trace.setSpan(ROOT_CONTEXT, entry), { type: RPCType.HTTP, span: entry, route: '/orders/:id' });
    const exit = tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, ctx);
    assert.equal(decodeSw8(inject(propagator, trace.setSpan(ctx, exit)).sw8)!.parentEndpoint, 'GET:/orders/:id');
  });

  it('extracts sw8 alone into a remote parent and the SkyWalking reference', () => {
    const ctx = extract(propagator, { sw8: encodeSw8(upstream) });
    const parent = trace.getSpanContext(ctx)!;
    assert.equal(parent.isRemote, true);
    assert.equal(parent.traceId, toOtelTraceId(upstream.traceId));
    assert.equal(parent.traceFlags, TraceFlags.SAMPLED);
    assert.deepEqual(getIncomingSw8(ctx), { ...upstream, otelTraceId: parent.traceId });
  });

  it('ignores a malformed sw8 beside a valid traceparent, without touching the parent', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const good = encodeSw8({ ...upstream, traceId });
    const broken = good.split('-').map((f, i) => (i === 4 ? '***' : f)).join('-');
    const before = getCoreStats().rejectedHeaders.sw8;
    const ctx = extract(propagator, { traceparent: `00-${traceId}-b7ad6b7169203331-01`, sw8: broken });
    assert.equal(trace.getSpanContext(ctx)!.spanId, 'b7ad6b7169203331');
    assert.equal(getIncomingSw8(ctx), undefined, 'no reference from a malformed header');
    assert.equal(getCoreStats().rejectedHeaders.sw8, before + 1);
    const { tracer } = tracing();
    assert.equal(swSpanOf(tracer.startSpan('GET', { kind: SpanKind.SERVER }, ctx))!.segment.ref, undefined);
  });

  it('keeps a SkyWalking trace id of any shape across our service (agent -> us -> agent)', () => {
    const { tracer } = tracing();
    const ctx = extract(propagator, { sw8: encodeSw8(upstream) });
    const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ctx);
    const segment = swSpanOf(entry)!.segment;
    assert.equal(segment.traceId, upstream.traceId);
    assert.equal(segment.ref?.parentTraceSegmentId, upstream.parentSegmentId);
    const exit = clientSpan(tracer, entry);
    const headers = inject(propagator, trace.setSpan(ROOT_CONTEXT, exit));
    assert.equal(decodeSw8(headers.sw8)!.traceId, upstream.traceId);
    // An OpenTelemetry-only hop in between forwards traceparent/tracestate: the next one of ours recovers the id.
    const viaW3c = extract(propagator, { traceparent: headers.traceparent, tracestate: headers.tracestate });
    const next = tracing().tracer.startSpan('GET', { kind: SpanKind.SERVER }, viaW3c);
    assert.equal(swSpanOf(next)!.segment.traceId, upstream.traceId);
  });

  it('prefers traceparent when both name different traces, and counts the conflict', () => {
    const sw8only = new Sw8Propagator();
    const composite = createSkyWalkingPropagator();
    const before = sw8only.getStats().conflicts;
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ctx = extract(composite, { traceparent, sw8: encodeSw8(upstream) });
    assert.equal(trace.getSpanContext(ctx)!.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(getIncomingSw8(ctx), undefined);
    const direct = sw8only.extract(extract(composite, { traceparent }), { sw8: encodeSw8(upstream) }, { get: (c: any, k) => c[k], keys: (c: any) => Object.keys(c) });
    assert.equal(getIncomingSw8(direct), undefined);
    assert.equal(sw8only.getStats().conflicts, before + 1);
  });

  it('uses traceparent ids and sw8 reference when both agree', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const header = { ...upstream, traceId, sampled: false };
    const ctx = extract(propagator, { traceparent: `00-${traceId}-b7ad6b7169203331-01`, sw8: encodeSw8(header) });
    const parent = trace.getSpanContext(ctx)!;
    assert.equal(parent.spanId, 'b7ad6b7169203331');
    assert.equal(parent.traceFlags, TraceFlags.SAMPLED, 'traceparent flags win');
    assert.equal(getIncomingSw8(ctx)?.sampled, false, 'the sw8 sample flag stays available to the sampler');
    assert.equal(getIncomingSw8(ctx)?.parentSegmentId, upstream.parentSegmentId);
  });

  it('injects sample=0 with valid ids from a non-recording span', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const unsampled = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    const headers = inject(propagator, trace.setSpan(ROOT_CONTEXT, unsampled));
    const sw8 = decodeSw8(headers.sw8)!;
    assert.equal(sw8.sampled, false);
    assert.equal(sw8.traceId, traceId);
    assert.equal(sw8.parentSpanId, 0);
    assert.ok(sw8.parentSegmentId.length > 0 && sw8.parentService.length > 0 && sw8.parentServiceInstance.length > 0);
    assert.equal(sw8.parentEndpoint, NOT_SAMPLED_ENDPOINT);
    assert.equal(headers.traceparent, `00-${traceId}-b7ad6b7169203331-00`);
    // The next service reads the decision back.
    const ctx = extract(propagator, { sw8: headers.sw8 });
    assert.equal(trace.getSpanContext(ctx)!.traceFlags, TraceFlags.NONE);
    assert.equal(getIncomingSw8(ctx)!.sampled, false);
  });

  it('writes what a CompositePropagator of W3C trace context, baggage and sw8 writes, in the same order', () => {
    const composite = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new Sw8Propagator()],
    });
    const traceState = new TraceState('vendor=x,other=y');
    const baggage = propagation.createBaggage({ tenant: { value: 'a' } });
    for (const traceFlags of [TraceFlags.NONE, TraceFlags.SAMPLED]) {
      const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags, traceState });
      const ctx = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);
      const ours = inject(propagator, ctx);
      assert.deepEqual(Object.entries(ours), Object.entries(inject(composite, ctx)));
      // the cached tail of a span that is not recorded: this service, this instance, 'unsampled', '-'
      const sw8 = decodeSw8(ours.sw8)!;
      assert.equal(sw8.sampled, traceFlags === TraceFlags.SAMPLED);
      assert.equal(sw8.parentSegmentId, '0af7651916cd43ddb7ad6b7169203331');
      assert.deepEqual([sw8.parentService, sw8.parentServiceInstance, sw8.parentEndpoint, sw8.targetAddress], [localIdentity().service, localIdentity().instance, NOT_SAMPLED_ENDPOINT, '-']);
    }
    const invalid = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }));
    assert.deepEqual(inject(propagator, invalid), {});
    assert.deepEqual(inject(composite, invalid), {});
  });

  it('passes an upstream sw8 on when no local span was started', () => {
    const ctx = extract(propagator, { sw8: encodeSw8(upstream) });
    assert.equal(decodeSw8(inject(propagator, ctx).sw8)!.parentSegmentId, upstream.parentSegmentId);
  });

  it('maps sw8-correlation to baggage and back, within SkyWalking limits', () => {
    const before = getCoreStats().correlationDropped;
    let baggage = propagation.createBaggage();
    for (const [k, v] of [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]) baggage = baggage.setEntry(k, { value: v });
    const headers = inject(propagator, propagation.setBaggage(ROOT_CONTEXT, baggage));
    assert.equal(headers['sw8-correlation'].split(',').length, 3);
    assert.equal(getCoreStats().correlationDropped, before + 1);
    assert.match(headers.baggage, /d=4/, 'W3C baggage still carries everything');
    const onlySw = extract(propagator, { 'sw8-correlation': headers['sw8-correlation'] });
    assert.deepEqual(
      propagation.getBaggage(onlySw)!.getAllEntries().map(([k, e]) => [k, e.value]),
      [['a', '1'], ['b', '2'], ['c', '3']],
    );
    const both = extract(propagator, { baggage: 'a=w3c', 'sw8-correlation': headers['sw8-correlation'] });
    assert.equal(propagation.getBaggage(both)!.getEntry('a')!.value, 'w3c', 'W3C baggage wins on a shared key');
  });

  it('reads sw8-x and writes it back: skip-analysis downstream, send time on producers', () => {
    const { tracer } = tracing();
    const ctx = extract(propagator, { sw8: encodeSw8(upstream), 'sw8-x': '1-1716200000000' });
    assert.deepEqual(getSw8Extension(ctx), { skipAnalysis: true, sendTimestamp: 1716200000000 });
    const consumer = tracer.startSpan('process', { kind: SpanKind.CONSUMER }, ctx);
    assert.equal(swSpanOf(consumer)!.segment.skipAnalysis, true);
    const producer = tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, trace.setSpan(ctx, consumer));
    const before = Date.now();
    const ext = decodeSw8Extension(inject(propagator, trace.setSpan(ctx, producer))['sw8-x'])!;
    assert.equal(ext.skipAnalysis, true);
    assert.ok(ext.sendTimestamp! >= before && ext.sendTimestamp! <= Date.now());
    const client = clientSpan(tracer, undefined);
    assert.match(inject(propagator, withSendTimestamp(trace.setSpan(ROOT_CONTEXT, client)))['sw8-x'], /^0-\d{13}$/);
  });

  it('writes nothing when tracing is suppressed', async () => {
    const { suppressTracing } = await import('@opentelemetry/core');
    const { tracer } = tracing();
    const headers = inject(propagator, suppressTracing(trace.setSpan(ROOT_CONTEXT, clientSpan(tracer, undefined))));
    assert.equal(headers.sw8, undefined);
  });
});
