/**
 * Test wiring: a NodeTracerProvider with the sampler, an in-memory exporter and core's segment
 * bookkeeping, registered globally with createSkyWalkingPropagator(). One per test process.
 */
import { context, propagation, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { decodeCorrelation, decodeSw8, SegmentTracker, type Sw8Header } from '@otel-skywalking/core';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler, type SkyWalkingSamplerOptions } from '../src';

export interface Tracing {
  provider: NodeTracerProvider;
  tracer: Tracer;
  sampler: SkyWalkingSampler;
  exporter: InMemorySpanExporter;
  /** Core's segment bookkeeping, when no exporting processor (which runs its own) is given. */
  segments: SegmentTracker;
  shutdown(): Promise<void>;
}

/**
 * @param exporting a processor that reports spans (SkyWalkingSpanProcessor); it runs its own
 *   segment bookkeeping, so `segments` then stays unregistered.
 */
export function setUpTracing(options: SkyWalkingSamplerOptions, serviceName = 'sampler-test', exporting?: SpanProcessor): Tracing {
  const sampler = new SkyWalkingSampler(options);
  const exporter = new InMemorySpanExporter();
  const segments = new SegmentTracker();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': `${serviceName}-1` }),
    sampler,
    spanProcessors: [exporting ?? segments, new SimpleSpanProcessor(exporter)],
  });
  provider.register({ propagator: createSkyWalkingPropagator({ serviceName, serviceInstance: `${serviceName}-1` }) });
  return {
    provider,
    tracer: trace.getTracer('sampler-test'),
    sampler,
    exporter,
    segments,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The headers the global propagator writes for a span. */
export function injectFor(span: Span, base: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(base, span), headers);
  return headers;
}

export interface ParsedHeaders {
  traceparent: { traceId: string; spanId: string; flags: string } | undefined;
  sw8: Sw8Header | undefined;
  baggage: string | undefined;
  correlation: Map<string, string>;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseHeaders(headers: Record<string, string | string[] | undefined>): ParsedHeaders {
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const tp = TRACEPARENT.exec(one('traceparent') ?? '');
  const sw8 = one('sw8');
  const correlation = one('sw8-correlation');
  return {
    traceparent: tp === null ? undefined : { traceId: tp[1], spanId: tp[2], flags: tp[3] },
    sw8: sw8 === undefined ? undefined : decodeSw8(sw8),
    baggage: one('baggage'),
    correlation: new Map(correlation === undefined ? [] : decodeCorrelation(correlation).entries),
  };
}
