/**
 * Every slot otel-skywalking keeps on an object it does not own the type of (an SDK span, a remote
 * SpanContext) or that several packages share (core's Segment), declared once here with its type
 * and the one package that writes it. A symbol-keyed property on the object itself: a WeakMap entry
 * per span or per segment cost several times more at garbage collection (about 9 µs per request in
 * bench/exporter/exporter-http.bench.ts), a Map with one insert and one delete per request kept
 * reallocating its table in V8's old generation.
 *
 * Symbol.for where two copies of otel-skywalking in one process must see each other's slots (a span
 * tracked by one copy's tracker and exported or injected by another's); a plain Symbol where only
 * the copy that created the object uses the slot.
 */
// ---- On core's Segment (declared on the Segment class for their types; set by their owner) ----

/**
 * Owner: @otel-skywalking/exporter (SkyWalkingSpanProcessor). A segment's ended spans, held until
 * the rest end, on the segment itself. A plain Symbol: only the processor whose tracker created
 * the segment holds its spans.
 */
export const HELD_SPANS: unique symbol = Symbol('otel-skywalking.held-spans');

/** The ended spans of one open segment (the value in HELD_SPANS; S is the SDK's ReadableSpan). */
export interface HeldSpans<S> {
  spans: S[];
  /** Spans were left out (span limit): the segment is sent with isSizeLimited. */
  sizeLimited: boolean;
  /** Dropped whole (held-span cap); later spans of it are counted and let go. */
  dropped: boolean;
}

/**
 * Owner: @otel-skywalking/propagator-sw8. A segment's sw8 header pieces, encoded at its first
 * inject and reused by the next ones. Symbol.for: two copies of the propagator share them (they
 * are the same for both).
 */
export const SW8_HEADER_PIECES: unique symbol = Symbol.for('otel-skywalking.sw8-pieces');

/** The value in SW8_HEADER_PIECES: the sw8 header cut where a span's own fields go. */
export interface Sw8HeaderPieces {
  /** The endpoint and peer address they were encoded for; a change re-encodes them. */
  readonly endpoint: string;
  readonly address: string;
  /** `traceId-segmentId-` (sw8 fields 2 and 3, base64). */
  readonly ids: string;
  /** `-service-instance-endpoint-address` (sw8 fields 5 to 8, base64). */
  readonly names: string;
}

// ---- On objects core does not own the type of (owner: @otel-skywalking/core) ----

/** On an SDK span: its SkyWalking facts (segment-tracker.ts, SwSpan). Symbol.for: two copies of core see each other's spans. */
export const SW_SPAN: unique symbol = Symbol.for('otel-skywalking.sw-span');

/** On an SDK span the tracker left out of every segment (a connection span outside any segment): true. */
export const LEFT_OUT: unique symbol = Symbol.for('otel-skywalking.left-out');

/** On a remote parent's SpanContext: the sw8 header the same extract read (context.ts). */
export const INCOMING_SW8_HOLDER: unique symbol = Symbol.for('otel-skywalking.incoming-sw8');

// ---- On a log record ----

/**
 * Owner: @otel-skywalking/exporter-logs (log-context.ts). The SkyWalking ids of the span active when
 * the record was emitted. Symbol.for: two copies of the package read each other's records.
 */
export const SW_LOG_CONTEXT: unique symbol = Symbol.for('otel-skywalking.sw-log-context');
