/**
 * What SkyWalking needs and OpenTelemetry does not keep, carried with a Context: the incoming sw8
 * header, the sw8-x extension and the inject send-timestamp request.
 *
 * Contexts are never changed: setSw8Extension and withSendTimestamp return a new Context. Two
 * things are mutated, both for the incoming sw8 only:
 * - setIncomingSw8 / setIncomingSw8Raw put the header on the remote parent's SpanContext object
 *   (the INCOMING_SW8_HOLDER slot, symbols.ts) and return the same Context. The sw8 propagator
 *   calls them during extract, on the remote parent that extract produced (its own, or traceparent's
 *   just before it in the same composite extract); its OpenTelemetry fields are left as they are, and
 *   a copy made with object spread keeps the slot. It saves a Context copy per request. A SpanContext
 *   that cannot take the slot (not extensible) gets a new Context with the header as a value instead.
 * - getIncomingSw8 decodes a header kept raw on its first call and keeps the result in the holder
 *   (its `decoded` field), so later calls and sampled-out traffic do not decode it again.
 */
import { createContextKey, trace, type Context } from '@opentelemetry/api';
import { decodeSw8, type Sw8Header } from './codec/sw8';
import { countRejected } from './stats';
import type { Sw8Extension } from './codec/sw8x';
import { INCOMING_SW8_HOLDER } from './symbols';

/** What an incoming sw8 header said, kept beside the remote span context it produced. */
export interface IncomingSw8 extends Sw8Header {
  /** The OpenTelemetry trace id the SkyWalking trace id maps to. */
  otelTraceId: string;
}

const INCOMING_SW8 = createContextKey('otel-skywalking incoming sw8');
const EXTENSION = createContextKey('otel-skywalking sw8-x');
const SEND_TIMESTAMP = createContextKey('otel-skywalking inject send timestamp');

/**
 * An incoming sw8. When traceparent already gave the parent, only the raw header is kept at extract
 * time and the reference fields are decoded on first use (by the segment bookkeeping, for a
 * recording local root), so sampled-out traffic never pays for them.
 */
interface Sw8Holder {
  readonly raw: string | undefined;
  readonly otelTraceId: string;
  readonly sampled: boolean;
  /** undefined: not decoded yet; null: decoded and found malformed. Set once, by getIncomingSw8. */
  decoded: IncomingSw8 | null | undefined;
}

/**
 * The header belongs to the remote parent it arrived with, so it is kept on that parent's
 * SpanContext object (created by the extract that read it): that saves a Context copy per
 * request (bench/propagator/propagator.bench.ts). A SpanContext that cannot take it uses a Context value.
 */
type HolderCarrier = { [INCOMING_SW8_HOLDER]?: Sw8Holder };

function keep(context: Context, holder: Sw8Holder): Context {
  const parent = trace.getSpanContext(context) as HolderCarrier | undefined;
  if (parent !== undefined && Object.isExtensible(parent)) {
    parent[INCOMING_SW8_HOLDER] = holder;
    return context;
  }
  return context.setValue(INCOMING_SW8, holder);
}

function holderOf(context: Context): Sw8Holder | undefined {
  return (trace.getSpanContext(context) as HolderCarrier | undefined)?.[INCOMING_SW8_HOLDER] ?? (context.getValue(INCOMING_SW8) as Sw8Holder | undefined);
}

/** Keeps a decoded sw8 with the context's remote parent (the span context the header produced). */
export function setIncomingSw8(context: Context, header: IncomingSw8): Context {
  return keep(context, { raw: undefined, otelTraceId: header.otelTraceId, sampled: header.sampled, decoded: header });
}

/** Keeps an sw8 whose trace id and sample flag were checked, to be decoded in full when needed. */
export function setIncomingSw8Raw(context: Context, raw: string, otelTraceId: string, sampled: boolean): Context {
  return keep(context, { raw, otelTraceId, sampled, decoded: undefined });
}

/** The sw8 header that came with this context's remote parent, if any and if well-formed. */
export function getIncomingSw8(context: Context): IncomingSw8 | undefined {
  const holder = holderOf(context);
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
  return holderOf(context)?.sampled;
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
