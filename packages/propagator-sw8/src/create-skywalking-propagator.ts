import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { Sw8Propagator } from './sw8-propagator';
import type { SkyWalkingPropagatorOptions } from './types';

/**
 * W3C trace context, W3C baggage and SkyWalking sw8 in one propagator: extract reads whichever is
 * present (traceparent first, sw8 completing it), inject writes all of them. Each can be left out;
 * sw8 always comes after traceparent, whose context it completes.
 */
export function createSkyWalkingPropagator(options: SkyWalkingPropagatorOptions = {}): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  if (options.traceContext !== false) propagators.push(new W3CTraceContextPropagator());
  if (options.baggage !== false) propagators.push(new W3CBaggagePropagator());
  if (options.sw8 !== false) propagators.push(new Sw8Propagator(options));
  return new CompositePropagator({ propagators });
}
