import { diag, isSpanContextValid, trace, type Context, type SpanContext, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { Sw8Propagator } from './sw8-propagator';
import type { SkyWalkingPropagatorOptions } from './types';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
/** traceparent's flags field for each value of the flags byte (two lowercase hex digits). */
const FLAGS = Array.from({ length: 256 }, (_, flags) => flags.toString(16).padStart(2, '0'));

/**
 * W3C trace context, W3C baggage and sw8, run in that order as a composite of the three would, but
 * on inject the context's span is read, and its ids validated, once for traceparent and sw8 (each
 * alone repeats the check, about 2,000 instructions per inject; bench/http-instrumentation).
 */
class SkyWalkingPropagator implements TextMapPropagator {
  private readonly extractors: TextMapPropagator[] = [];
  private readonly allFields: string[];

  constructor(
    private readonly traceContext: W3CTraceContextPropagator | undefined,
    private readonly baggage: W3CBaggagePropagator | undefined,
    private readonly sw8: Sw8Propagator | undefined,
  ) {
    if (traceContext !== undefined) this.extractors.push(traceContext);
    if (baggage !== undefined) this.extractors.push(baggage);
    if (sw8 !== undefined) this.extractors.push(sw8);
    this.allFields = [...new Set(this.extractors.flatMap((propagator) => propagator.fields()))];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    // every part writes nothing while tracing is suppressed
    if (isTracingSuppressed(context)) return;
    const span = trace.getSpan(context);
    const spanContext = span?.spanContext();
    const valid = spanContext !== undefined && isSpanContextValid(spanContext);
    if (valid && this.traceContext !== undefined) {
      try {
        writeTraceContext(spanContext, carrier, setter);
      } catch (error) {
        diag.warn(`Failed to inject traceparent: ${(error as Error)?.message}`);
      }
    }
    if (this.baggage !== undefined) {
      try {
        this.baggage.inject(context, carrier, setter);
      } catch (error) {
        diag.warn(`Failed to inject baggage: ${(error as Error)?.message}`);
      }
    }
    if (this.sw8 === undefined) return;
    try {
      this.sw8.injectSpan(context, carrier, setter, span, spanContext, valid);
    } catch (error) {
      diag.warn(`Failed to inject sw8: ${(error as Error)?.message}`);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (const propagator of this.extractors) {
      try {
        result = propagator.extract(result, carrier, getter);
      } catch (error) {
        diag.warn(`Failed to extract with ${propagator.constructor.name}: ${(error as Error)?.message}`);
      }
    }
    return result;
  }

  fields(): string[] {
    return this.allFields.slice();
  }
}

/** `traceparent` (version 00) and, when the span context has one, `tracestate`. */
function writeTraceContext(spanContext: SpanContext, carrier: unknown, setter: TextMapSetter): void {
  setter.set(carrier, TRACEPARENT, `00-${spanContext.traceId}-${spanContext.spanId}-${FLAGS[spanContext.traceFlags & 0xff]}`);
  if (spanContext.traceState) setter.set(carrier, TRACESTATE, spanContext.traceState.serialize());
}

/**
 * W3C trace context, W3C baggage and SkyWalking sw8 in one propagator: extract reads whichever is
 * present (traceparent first, sw8 completing it), inject writes all of them. Each can be left out
 * (`traceContext`, `baggage`, `sw8`: false);
 * sw8 always comes after traceparent, whose context it completes.
 */
export function createSkyWalkingPropagator(options: SkyWalkingPropagatorOptions = {}): TextMapPropagator {
  return new SkyWalkingPropagator(
    options.traceContext === false ? undefined : new W3CTraceContextPropagator(),
    options.baggage === false ? undefined : new W3CBaggagePropagator(),
    options.sw8 === false ? undefined : new Sw8Propagator(options),
  );
}
