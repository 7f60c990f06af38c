import * as api from '@opentelemetry/api';
import * as otelCore from '@opentelemetry/core';
import * as swCore from '@otel-skywalking/core';
import type {
  Attributes,
  Context,
  Span,
  SpanContext,
  TextMapGetter,
  TextMapPropagator,
  TextMapSetter,
  TraceState as ApiTraceState,
} from '@opentelemetry/api';
import type { Segment, Sw8Header, SwSpan } from '@otel-skywalking/core';
import type { Sw8PropagatorOptions, Sw8PropagatorStats } from './types';

/** Endpoint written for spans that are not recorded: there is no segment whose endpoint it could be. */
export const NOT_SAMPLED_ENDPOINT = 'unsampled';
/** Address written for spans that are not recorded: their target is not known. */
export const NOT_SAMPLED_ADDRESS = '-';

// Bound once: these packages' CommonJS re-exports are getters costing 10-20 ns per access, and one
// inject + extract makes about 20 accesses (bench/propagator/propagator.bench.ts: about 10% of the round trip).
const { SpanKind, TraceFlags, isSpanContextValid, propagation, trace } = api;
const { RPCType, TraceState, getRPCMetadata, isTracingSuppressed } = otelCore;
const {
  SW8_CORRELATION_HEADER,
  SW8_HEADER,
  SW8_X_HEADER,
  TRACESTATE_KEY,
  countCorrelationDropped,
  countRejected,
  decodeCorrelation,
  decodeSw8,
  decodeSw8Extension,
  encodeCorrelation,
  encodeBase64,
  encodeBase64Once,
  encodeSw8,
  encodeSw8Extension,
  encodeTraceStateId,
  getIncomingSw8,
  getSw8Extension,
  headerText,
  peekSw8,
  localIdentity,
  operationName,
  peerAddress,
  segmentIdFor,
  setIncomingSw8,
  setIncomingSw8Raw,
  setSw8Extension,
  swSpanOf,
  swTraceIdOf,
  toOtelSpanId,
  toOtelTraceId,
  wantsSendTimestamp,
} = swCore;

const FIELDS = [SW8_HEADER, SW8_CORRELATION_HEADER, SW8_X_HEADER];

// A segment's encoded sw8 pieces are kept on the segment itself, in the slot core declares for this
// propagator (SW8_HEADER_PIECES, core's symbols.ts). A WeakMap entry per segment cost more at garbage
// collection than the encoding it saved (bench/exporter/exporter-http.bench.ts). Annotated: a
// destructured symbol loses its unique type, which indexes Segment's slot.
const SW8_HEADER_PIECES: typeof swCore.SW8_HEADER_PIECES = swCore.SW8_HEADER_PIECES;

/** The parts of an SDK span the propagator reads; API-only spans lack them. */
interface SdkSpanView {
  name?: string;
  kind?: api.SpanKind;
  attributes?: Attributes;
}

/** First string value of a header that may be a string, an array or a Buffer (AMQP headers). */
function headerValue(value: unknown): string | undefined {
  return headerText(Array.isArray(value) ? value[0] : value);
}

/**
 * Reads and writes SkyWalking's `sw8`, `sw8-correlation` and `sw8-x`. Place it after the W3C
 * propagators in a composite (createSkyWalkingPropagator does): when traceparent already gave a
 * remote parent for the same trace, sw8 only adds its SkyWalking reference; when traceparent names
 * another trace, traceparent wins and the conflict is counted.
 */
export class Sw8Propagator implements TextMapPropagator {
  private readonly stats: Sw8PropagatorStats = { injected: 0, extracted: 0, conflicts: 0 };
  private readonly correlation: boolean;
  private unsampledNames: { service: string; instance: string; names: string } | undefined = undefined;

  constructor(private readonly options: Sw8PropagatorOptions = {}) {
    this.correlation = options.correlation !== false;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(context)) return;
    const span = trace.getSpan(context);
    this.injectSpan(context, carrier, setter, span, span?.spanContext(), undefined);
  }

  /**
   * inject, for a caller that already checked suppression and read the context's span: `valid` is
   * whether `spanContext` is valid when the caller checked it (createSkyWalkingPropagator's
   * propagator does, once for traceparent and sw8), undefined to check here.
   * @internal
   */
  injectSpan(
    context: Context,
    carrier: unknown,
    setter: TextMapSetter,
    span: Span | undefined,
    spanContext: SpanContext | undefined,
    valid: boolean | undefined,
  ): void {
    let skipAnalysis = getSw8Extension(context)?.skipAnalysis ?? false;
    let producer = false;
    if (span !== undefined && spanContext !== undefined) {
      const sw = swSpanOf(span);
      // Tracked spans are SDK spans with valid ids; only untracked ones need checking.
      if (sw !== undefined) {
        const segment = sw.segment;
        const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
        setter.set(carrier, SW8_HEADER, this.encodeTracked(span, sw, sampled, endpointOf(segment, context)));
        skipAnalysis ||= segment.skipAnalysis;
      } else if (valid ?? isSpanContextValid(spanContext)) {
        setter.set(carrier, SW8_HEADER, this.encodeUntracked(span, spanContext, context));
      } else {
        return;
      }
      this.stats.injected++;
      producer = (span as SdkSpanView).kind === SpanKind.PRODUCER;
    }
    const timestamp = producer || wantsSendTimestamp(context);
    if (skipAnalysis || timestamp) {
      setter.set(carrier, SW8_X_HEADER, encodeSw8Extension({ skipAnalysis, sendTimestamp: timestamp ? Date.now() : undefined }));
    }
    if (this.correlation) this.injectCorrelation(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    try {
      const sw8 = headerValue(getter.get(carrier, SW8_HEADER));
      if (sw8 !== undefined) {
        result = this.applySw8(result, sw8.trim());
      }
      const ext = headerValue(getter.get(carrier, SW8_X_HEADER));
      if (ext !== undefined) {
        const extension = decodeSw8Extension(ext);
        if (extension === undefined) countRejected(SW8_X_HEADER);
        else result = setSw8Extension(result, extension);
      }
      if (this.correlation) {
        const correlation = headerValue(getter.get(carrier, SW8_CORRELATION_HEADER));
        if (correlation !== undefined) result = this.applyCorrelation(result, correlation);
      }
    } catch {
      // A getter or carrier that throws must not break the request: keep what was read so far.
      countRejected(SW8_HEADER);
    }
    return result;
  }

  fields(): string[] {
    return FIELDS.slice();
  }

  getStats(): Sw8PropagatorStats {
    return { ...this.stats };
  }

  /**
   * sw8 for a tracked span. Within a segment only the sample flag, the span id and, per exit, the
   * address change: the rest is encoded on the first inject and kept per segment.
   */
  private encodeTracked(span: Span, sw: SwSpan, sampled: boolean, endpoint: string): string {
    const segment = sw.segment;
    const address = (sw.peer ??= peerAddress((span as SdkSpanView).attributes ?? {}));
    const cached = segment[SW8_HEADER_PIECES];
    if (cached !== undefined && cached.endpoint === endpoint && cached.address === address) {
      return (sampled ? '1' : '0') + cached.ids + sw.spanId + cached.names;
    }
    const header: Sw8Header = {
      sampled,
      traceId: segment.traceId,
      parentSegmentId: segment.id,
      parentSpanId: sw.spanId,
      parentService: segment.service,
      parentServiceInstance: segment.instance,
      parentEndpoint: endpoint,
      targetAddress: address,
    };
    const value = encodeSw8(header);
    // Kept as slices of one flat string: V8 flattens the next header (on its first read) by plain
    // copies; joined from the original nested pieces it cost about 50 ns more per round trip.
    // value = sample '-' traceId '-' segmentId '-' spanId '-' names: ids end at the third dash.
    const idsEnd = value.indexOf('-', value.indexOf('-', 2) + 1) + 1;
    const names = value.slice(value.indexOf('-', idsEnd));
    segment[SW8_HEADER_PIECES] = { endpoint, address, ids: value.slice(1, idsEnd), names };
    return value;
  }

  /**
   * sw8 for a span the bookkeeping does not know. A local span that is not recorded (sampled out:
   * the common case) names no endpoint or address, so everything after its ids is the same for
   * every such span and is encoded once; its ids are hex (validated), base64-encoded directly.
   */
  private encodeUntracked(span: Span, spanContext: SpanContext, context: Context): string {
    const view = span as SdkSpanView;
    if (spanContext.isRemote || (view.name !== undefined && view.attributes !== undefined && view.kind !== undefined)) {
      return encodeSw8(this.untrackedHeader(span, spanContext, context));
    }
    const { traceId, traceState } = spanContext;
    const swTraceId = traceState === undefined ? traceId : swTraceIdOf(traceId, traceState);
    return (
      ((spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '1-' : '0-') +
      (swTraceId === traceId ? btoa(traceId) : encodeBase64Once(swTraceId)) +
      '-' +
      btoa(segmentIdFor(traceId, spanContext.spanId)) +
      '-0-' +
      this.notSampledNames()
    );
  }

  /** `service-instance-endpoint-address` (encoded) of spans that are not recorded, kept while the names stay. */
  private notSampledNames(): string {
    const local = localIdentity();
    const service = this.options.serviceName ?? local.service;
    const instance = this.options.serviceInstance ?? local.instance;
    const cached = this.unsampledNames;
    if (cached !== undefined && cached.service === service && cached.instance === instance) return cached.names;
    const names = [service, instance, NOT_SAMPLED_ENDPOINT, NOT_SAMPLED_ADDRESS].map(encodeBase64).join('-');
    this.unsampledNames = { service, instance, names };
    return names;
  }

  /**
   * A span the bookkeeping does not know: sampled out (non-recording), or no SegmentTracker is
   * registered. Without a local span (only an extracted parent), the upstream header passes on.
   */
  private untrackedHeader(span: Span, spanContext: SpanContext, context: Context): Sw8Header {
    const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    if (spanContext.isRemote) {
      const incoming = getIncomingSw8(context);
      if (incoming !== undefined && incoming.otelTraceId === spanContext.traceId) return { ...incoming, sampled };
    }
    return this.localHeader(span as SdkSpanView, spanContext, sampled);
  }

  /** The ids stay valid and the trace id is the trace's SkyWalking id. */
  private localHeader(view: SdkSpanView, spanContext: SpanContext, sampled: boolean): Sw8Header {
    const local = localIdentity();
    const recording = view.name !== undefined && view.attributes !== undefined && view.kind !== undefined;
    return {
      sampled,
      traceId: swTraceIdOf(spanContext.traceId, spanContext.traceState),
      parentSegmentId: segmentIdFor(spanContext.traceId, spanContext.spanId),
      parentSpanId: 0,
      parentService: this.options.serviceName ?? local.service,
      parentServiceInstance: this.options.serviceInstance ?? local.instance,
      parentEndpoint: recording ? operationName(view as Required<SdkSpanView>) : NOT_SAMPLED_ENDPOINT,
      targetAddress: (recording && peerAddress(view.attributes ?? {})) || NOT_SAMPLED_ADDRESS,
    };
  }

  private applySw8(context: Context, raw: string): Context {
    const existing = trace.getSpanContext(context);
    if (existing !== undefined && existing.isRemote) {
      // traceparent gave the parent: sw8 only adds its reference, decoded when first needed.
      const peek = peekSw8(raw, existing.traceId);
      if (peek === undefined) {
        countRejected(SW8_HEADER);
        return context;
      }
      // Equal to a remote parent's id means already validated as 32 hex: no need to map it.
      const otelTraceId = peek.traceId === existing.traceId ? peek.traceId : toOtelTraceId(peek.traceId);
      if (otelTraceId === existing.traceId) {
        this.stats.extracted++;
        let result = setIncomingSw8Raw(context, raw, otelTraceId, peek.sampled);
        if (peek.traceId !== otelTraceId && swTraceIdOf(existing.traceId, existing.traceState) !== peek.traceId) {
          const traceState = withOriginalId(existing.traceState ?? new TraceState(), peek.traceId);
          result = trace.setSpanContext(result, { ...existing, traceState });
        }
        return result;
      }
      if (isSpanContextValid(existing)) {
        this.stats.conflicts++;
        return context;
      }
    }
    const header = decodeSw8(raw);
    if (header === undefined) {
      countRejected(SW8_HEADER);
      return context;
    }
    this.stats.extracted++;
    const otelTraceId = toOtelTraceId(header.traceId);
    const spanContext: SpanContext = {
      traceId: otelTraceId,
      spanId: toOtelSpanId(header.parentSegmentId, header.parentSpanId),
      traceFlags: header.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    };
    if (header.traceId !== otelTraceId) spanContext.traceState = withOriginalId(new TraceState(), header.traceId);
    return setIncomingSw8(trace.setSpanContext(context, spanContext), { ...header, otelTraceId });
  }

  private applyCorrelation(context: Context, value: string): Context {
    const { entries, dropped } = decodeCorrelation(value);
    if (dropped > 0) {
      countCorrelationDropped(dropped);
      countRejected(SW8_CORRELATION_HEADER);
    }
    if (entries.length === 0) return context;
    // W3C baggage read before us wins on a key both carry.
    let baggage = propagation.getBaggage(context) ?? propagation.createBaggage();
    for (const [key, val] of entries) {
      if (baggage.getEntry(key) === undefined) baggage = baggage.setEntry(key, { value: val });
    }
    return propagation.setBaggage(context, baggage);
  }

  private injectCorrelation(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) return;
    const entries = baggage.getAllEntries();
    if (entries.length === 0) return;
    const { value, dropped } = encodeCorrelation(entries.map(([key, entry]) => [key, entry.value]));
    countCorrelationDropped(dropped);
    if (value !== '') setter.set(carrier, SW8_CORRELATION_HEADER, value);
  }
}

/**
 * The segment's endpoint as the exporter will report it: when a framework matched a route for the
 * entry span but has not yet put it on the span (it does when the response ends), use that route.
 */
function endpointOf(segment: Segment, context: Context): string {
  const rpc = getRPCMetadata(context);
  const known = rpc?.type === RPCType.HTTP && (rpc.span as object) === segment.root ? rpc.route : undefined;
  return segment.endpointWith(known);
}

/** Adds the original SkyWalking trace id to tracestate, when it fits there. */
function withOriginalId(traceState: ApiTraceState, swTraceId: string): ApiTraceState {
  const encoded = encodeTraceStateId(swTraceId);
  return encoded === undefined ? traceState : traceState.set(TRACESTATE_KEY, encoded);
}
