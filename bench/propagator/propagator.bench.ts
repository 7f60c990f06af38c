// inject + extract per call: createSkyWalkingPropagator() (traceparent, tracestate, baggage, sw8,
// sw8-correlation) against OpenTelemetry's W3CTraceContextPropagator alone, same run.
// Goal (issue 2): at most 2x the W3C-only cost while carrying three formats.
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, defaultTextMapSetter, trace, type TextMapPropagator } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SegmentTracker } from '@otel-skywalking/core';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { measure, report } from '../lib/harness';

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'checkout-1' }),
  spanProcessors: [new SegmentTracker()],
});
const tracer = provider.getTracer('bench');
const entry = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id' } });
const exit = tracer.startSpan(
  'GET',
  { kind: SpanKind.CLIENT, attributes: { 'server.address': 'inventory.internal', 'server.port': 8080 } },
  trace.setSpan(ROOT_CONTEXT, entry),
);
const ctx = trace.setSpan(ROOT_CONTEXT, exit);

function roundTrip(propagator: TextMapPropagator) {
  return () => {
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  };
}

const results = measure([
  { name: 'W3CTraceContextPropagator', run: roundTrip(new W3CTraceContextPropagator()) },
  { name: 'createSkyWalkingPropagator', run: roundTrip(createSkyWalkingPropagator()) },
]);
report('Propagator: inject + extract per call', results);
const ratio = results[1].nsPerOp / results[0].nsPerOp;
console.log(`\nratio ${ratio.toFixed(2)}x (goal <= 2.00x): ${ratio <= 2 ? 'met' : 'NOT met'}`);
