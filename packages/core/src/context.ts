/**
 * OpenTelemetry Context keys that carry what SkyWalking needs and OpenTelemetry does not keep.
 * Values are immutable; every setter returns a new Context.
 */
import { createContextKey, type Context } from '@opentelemetry/api';
import { decodeSw8, type Sw8Header } from './codec/sw8';
import { countRejected } from './stats';
import type { Sw8Extension } from './codec/sw8x';

/** What an incoming sw8 header said, kept beside the remote span context it produced. */
export interface IncomingSw8 extends Sw8Header {
  /** The OpenTelemetry trace id the SkyWalking trace id maps to. */
  otelTraceId: string;
}

const INCOMING_SW8 = createContextKey('otel-skywalking incoming sw8');
const EXTENSION = createContextKey('otel-skywalking sw8-x');
const SEND_TIMESTAMP = createContextKey('otel-skywalking inject send timestamp');

/**
 * Holds an incoming sw8 in the Context. When traceparent already gave the parent, only the raw
 * header is kept at extract time and the reference fields are decoded on first use (by the
 * segment bookkeeping, for a recording local root), so sampled-out traffic never pays for them.
 */
interface Sw8Holder {
  readonly raw: string | undefined;
  readonly otelTraceId: string;
  readonly sampled: boolean;
  /** undefined: not decoded yet; null: decoded and found malformed. */
  decoded: IncomingSw8 | null | undefined;
}

export function setIncomingSw8(context: Context, header: IncomingSw8): Context {
  const holder: Sw8Holder = { raw: undefined, otelTraceId: header.otelTraceId, sampled: header.sampled, decoded: header };
  return context.setValue(INCOMING_SW8, holder);
}

/** Keeps an sw8 whose trace id and sample flag were checked, to be decoded in full when needed. */
export function setIncomingSw8Raw(context: Context, raw: string, otelTraceId: string, sampled: boolean): Context {
  const holder: Sw8Holder = { raw, otelTraceId, sampled, decoded: undefined };
  return context.setValue(INCOMING_SW8, holder);
}

/** The sw8 header extracted into this context (or an ancestor), if any and if well-formed. */
export function getIncomingSw8(context: Context): IncomingSw8 | undefined {
  const holder = context.getValue(INCOMING_SW8) as Sw8Holder | undefined;
  if (holder === undefined) return undefined;
  if (holder.decoded === undefined) {
    const header = holder.raw === undefined ? undefined : decodeSw8(holder.raw);
    if (header === undefined) {
      countRejected('sw8');
      holder.decoded = null;
    } else {
      holder.decoded = { ...header, otelTraceId: holder.otelTraceId };
    }
  }
  return holder.decoded ?? undefined;
}

/** The sample flag (sw8 field 1) of the incoming header, without decoding the rest. */
export function getIncomingSw8Sampled(context: Context): boolean | undefined {
  return (context.getValue(INCOMING_SW8) as Sw8Holder | undefined)?.sampled;
}

export function setSw8Extension(context: Context, extension: Sw8Extension): Context {
  return context.setValue(EXTENSION, extension);
}

/** The sw8-x values in force: skip-analysis mode and, on a consumer, the producer's send time. */
export function getSw8Extension(context: Context): Sw8Extension | undefined {
  return context.getValue(EXTENSION) as Sw8Extension | undefined;
}

/**
 * Asks the propagator to write the current time into sw8-x as the send timestamp, as messaging
 * producers do so that consumers can report transmission latency. PRODUCER spans get it anyway.
 */
export function withSendTimestamp(context: Context): Context {
  return context.setValue(SEND_TIMESTAMP, true);
}

export function wantsSendTimestamp(context: Context): boolean {
  return context.getValue(SEND_TIMESTAMP) === true;
}
