#!/usr/bin/env node
// The demo. Until the full demo lands (services, MongoDB, RabbitMQ and the embedded collector), it
// shows what the propagator puts on the wire and reads back: one trace crossing an OpenTelemetry
// service, a SkyWalking Java-agent-style caller and a W3C-only hop.
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, defaultTextMapSetter, trace, propagation } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SegmentTracker, decodeSw8, encodeSw8, getIncomingSw8, swSpanOf } from '@otel-skywalking/core';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';

const propagator = createSkyWalkingPropagator();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders', 'service.instance.id': 'orders-1' }),
  spanProcessors: [new SegmentTracker()],
});
const tracer = provider.getTracer('demo');

console.log('1. A SkyWalking Java agent calls us with only sw8 (its trace id is not OpenTelemetry-shaped):');
const fromJava = {
  sw8: encodeSw8({
    sampled: true,
    traceId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
    parentSegmentId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430002',
    parentSpanId: 2,
    parentService: 'gateway',
    parentServiceInstance: 'gw-1@10.0.0.7',
    parentEndpoint: '{GET}/api/orders',
    targetAddress: 'orders:8080',
  }),
  'sw8-correlation': 'dGVuYW50:YWNtZQ==',
};
console.log(fromJava);

const extracted = propagator.extract(ROOT_CONTEXT, fromJava, defaultTextMapGetter);
const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id' } }, extracted);
const segment = swSpanOf(entry).segment;
console.log('\n2. Our entry span starts a segment that references the caller (CrossProcess):');
console.log({ traceId: segment.traceId, segmentId: segment.id, endpoint: segment.endpoint, ref: segment.ref });
console.log('   baggage from sw8-correlation:', Object.fromEntries(propagation.getBaggage(extracted).getAllEntries().map(([k, e]) => [k, e.value])));

const exit = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'inventory', 'server.port': 9090 } }, trace.setSpan(extracted, entry));
const outgoing = {};
propagator.inject(trace.setSpan(extracted, exit), outgoing, defaultTextMapSetter);
console.log('\n3. We call inventory:9090; the headers we send (W3C and SkyWalking):');
console.log(outgoing);
console.log('   sw8 decoded:', decodeSw8(outgoing.sw8));

console.log('\n4. An OpenTelemetry-only service forwards just traceparent/tracestate; the next service of ours');
console.log('   still reports the SkyWalking trace id the Java agent started:');
const viaW3c = propagator.extract(ROOT_CONTEXT, { traceparent: outgoing.traceparent, tracestate: outgoing.tracestate }, defaultTextMapGetter);
const next = tracer.startSpan('GET', { kind: SpanKind.SERVER }, viaW3c);
console.log({ traceId: swSpanOf(next).segment.traceId, sw8Reference: getIncomingSw8(viaW3c) ?? null });
for (const span of [next, exit, entry]) span.end();
