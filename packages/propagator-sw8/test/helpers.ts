import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type Span, type TextMapPropagator } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SegmentTracker } from '@otel-skywalking/core';

export function tracing(service = 'orders', instance = 'orders-1') {
  const tracker = new SegmentTracker();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': instance }),
    spanProcessors: [tracker, new SimpleSpanProcessor(exporter)],
  });
  return { tracker, exporter, provider, tracer: provider.getTracer('test') };
}

export function inject(propagator: TextMapPropagator, ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

export function extract(propagator: TextMapPropagator, carrier: unknown, ctx: Context = ROOT_CONTEXT): Context {
  return propagator.extract(ctx, carrier, defaultTextMapGetter);
}

export function clientSpan(tracer: ReturnType<typeof tracing>['tracer'], parent: Span | undefined, host = 'inventory', port = 8080): Span {
  return tracer.startSpan(
    'GET',
    { kind: SpanKind.CLIENT, attributes: { 'server.address': host, 'server.port': port, 'http.request.method': 'GET' } },
    parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
  );
}
