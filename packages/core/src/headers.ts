/** Cross-process header names, one definition each. */
import { MAX_CONTEXT_HEADER_BYTES } from './limits';

export const SW8_HEADER = 'sw8';
export const SW8_CORRELATION_HEADER = 'sw8-correlation';
export const SW8_X_HEADER = 'sw8-x';
/** gRPC metadata key the OAP checks when authentication is on. */
export const AUTHENTICATION_METADATA_KEY = 'authentication';
/** tracestate member that carries a SkyWalking trace id that is not a 32-hex OpenTelemetry id. */
export const TRACESTATE_KEY = 'sw8';

/**
 * A header value as text: a string as it is, a Buffer (AMQP, Kafka headers) decoded as UTF-8 unless it
 * is longer than MAX_CONTEXT_HEADER_BYTES; undefined for anything else.
 */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.length <= MAX_CONTEXT_HEADER_BYTES ? value.toString('utf8') : undefined;
  return undefined;
}
