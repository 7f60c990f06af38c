/**
 * The SkyWalking ids of the span a log is written in, taken at emit time. A log record keeps only
 * the span's OpenTelemetry SpanContext; the segment id and span index live on the span object
 * (core's swSpanOf), which is reachable only from the Context active at emit. They are kept on
 * the record in the SW_LOG_CONTEXT slot (declared in core's symbols.ts), for the exporter to read later.
 */
import { trace, type Context } from '@opentelemetry/api';
import { SW_LOG_CONTEXT, swSpanOf, swTraceIdOf, type Segment } from '@otel-skywalking/core';

export interface CapturedLogContext {
  traceId: string;
  /** Undefined for a span that is not recorded (sampled out): its segment is never reported. */
  segment: Segment | undefined;
  spanId: number;
}

type Tagged = { [SW_LOG_CONTEXT]?: CapturedLogContext | null };

/**
 * Reads the span active in `ctx` and keeps its SkyWalking ids on `record`; null when no span is
 * valid there (a log outside a trace).
 */
export function captureLogContext(record: object, ctx: Context): void {
  const span = trace.getSpan(ctx);
  let captured: CapturedLogContext | null = null;
  if (span !== undefined) {
    const spanContext = span.spanContext();
    const sw = swSpanOf(span);
    if (sw !== undefined) {
      captured = { traceId: sw.segment.traceId, segment: sw.segment, spanId: sw.spanId };
    } else if (trace.isSpanContextValid(spanContext)) {
      captured = { traceId: swTraceIdOf(spanContext.traceId, spanContext.traceState), segment: undefined, spanId: 0 };
    }
  }
  (record as Tagged)[SW_LOG_CONTEXT] = captured;
}

/** What captureLogContext kept: undefined when it never saw the record, null outside a trace. */
export function capturedLogContextOf(record: object): CapturedLogContext | null | undefined {
  return (record as Tagged)[SW_LOG_CONTEXT];
}
