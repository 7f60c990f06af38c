/**
 * Whether the global propagator writes `sw8`. Without it a callee cannot reference the caller's
 * segment: SkyWalking shows two traces (two roots, no fragment reported), which is easy to miss.
 */
import { diag, propagation } from '@opentelemetry/api';
import { SW8_HEADER } from './headers';

/** True when the global propagator lists `sw8` among the fields it writes. */
export function globalPropagatorWritesSw8(): boolean {
  try {
    return propagation.fields().includes(SW8_HEADER);
  } catch {
    return false;
  }
}

/** Warns once (diag.warn) when the global propagator cannot write `sw8`; returns whether it can. */
export function checkSw8Propagation(): boolean {
  const writes = globalPropagatorWritesSw8();
  if (!writes) {
    diag.warn(
      'otel-skywalking: the global propagator does not write sw8, so services called from here start traces of their own in SkyWalking; ' +
        'register Sw8Propagator from @otel-skywalking/propagator-sw8 (or use @otel-skywalking/node, which does)',
    );
  }
  return writes;
}
