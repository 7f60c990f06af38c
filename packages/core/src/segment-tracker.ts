/**
 * Span bookkeeping: which SkyWalking segment each span belongs to, and its SkyWalking span id.
 *
 * A segment is one local root (a span whose parent is remote or absent) with the spans that start
 * under it while it is open. Span ids are handed out densely from 0 at span start, so an exit span
 * knows its id when it injects. A span that starts after its segment has finished (a late timer)
 * opens a new segment with a CrossThread reference to its parent. The tracker is an OpenTelemetry
 * SpanProcessor: register it on a TracerProvider, or let the exporter's processor drive it.
 *
 * A connection span (dns.lookup, tcp.connect, a pool checkout: span-mapping's isConnectionSpan) that
 * would open a segment of its own is left out and counted (leftOutSpans): SkyWalking's agents report
 * no segment for connection work outside a request. isLeftOut tells the exporter to let it go.
 */
import { diag, SpanKind, trace, type Attributes, type Context, type SpanContext } from '@opentelemetry/api';
import { getIncomingSw8, getSw8Extension } from './context';
import { identityOf } from './identity';
import { segmentIdFor, swTraceIdOf } from './ids';
import { HELD_SPANS, LEFT_OUT, SW_SPAN, SW8_HEADER_PIECES, type HeldSpans, type Sw8HeaderPieces } from './symbols';
import { operationName } from './semantics';
import { frameworkEntryComponent, isConnectionSpan, scopeNameOf } from './span-mapping';

/** SkyWalking RefType, with the protocol's enum values. */
export enum RefType {
  CrossProcess = 0,
  CrossThread = 1,
}

export interface SegmentRef {
  refType: RefType;
  traceId: string;
  parentTraceSegmentId: string;
  parentSpanId: number;
  parentService: string;
  parentServiceInstance: string;
  parentEndpoint: string;
  networkAddressUsedAtPeer: string;
}

/** The surface of an SDK span the tracker reads in onStart / onEnd. */
export interface TrackableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly resource?: { readonly attributes: Attributes };
  readonly instrumentationScope?: { readonly name: string };
  readonly instrumentationLibrary?: { readonly name: string };
  spanContext(): SpanContext;
}

export class Segment {
  /** Span ids handed out so far; after the segment ends, the number of spans it holds. */
  spanCount = 0;
  openSpans = 0;
  finished = false;
  /** True when the tracker let go of the segment (cap or age) before its spans ended. */
  evicted = false;
  /**
   * The component of the entry span (span 0) set by a web framework that ran under it (Express
   * 4002, Koa 4004), as SkyWalking's Node agent reports an Express entry; undefined otherwise.
   */
  entryComponent: number | undefined = undefined;
  /**
   * @internal The tracker's list of open segments, oldest first, linked through the segments
   * themselves: a Map with one insert and one delete per request kept reallocating its table in
   * V8's old generation, which then needed full collections (bench/exporter/exporter-http.bench.ts).
   */
  olderOpen: Segment | undefined = undefined;
  /** @internal */
  newerOpen: Segment | undefined = undefined;
  /**
   * The slots other packages keep on a segment (see symbols.ts), written only by their owner:
   * HELD_SPANS by the exporter's SkyWalkingSpanProcessor, SW8_HEADER_PIECES by the sw8 propagator.
   * Declared for their types only: a segment gets each when its owner first writes it. Set in the
   * constructor instead, they cost about 21 k more instructions per request of the exporter's HTTP
   * app (1.354 M → 1.375 M, bench/exporter/exporter-instructions.bench.ts).
   */
  declare [HELD_SPANS]: HeldSpans<TrackableSpan> | undefined;
  declare [SW8_HEADER_PIECES]: Sw8HeaderPieces | undefined;

  constructor(
    readonly id: string,
    /** The SkyWalking trace id (the original string when it came from a SkyWalking agent). */
    readonly traceId: string,
    readonly service: string,
    readonly instance: string,
    /** The local root; its current name is the segment's endpoint. */
    readonly root: TrackableSpan,
    /** CrossProcess (incoming sw8) or CrossThread (late child) reference of the first span. */
    readonly ref: SegmentRef | undefined,
    readonly skipAnalysis: boolean,
    readonly startedAt: number,
    readonly owner: SegmentTracker,
  ) {}

  /** The endpoint: the local root's operation name now (it may be renamed, e.g. when a route is known). */
  get endpoint(): string {
    return this.endpointWith(undefined);
  }

  private memo: { name: string; route: unknown; knownRoute: string | undefined; value: string } | undefined;

  /**
   * The endpoint, with a route a framework matched but has not yet put on the root span. Only the
   * root's name and route change after it starts (method and path are set at start), so the
   * result is kept until one of them does: every inject asks for it.
   */
  endpointWith(knownRoute: string | undefined): string {
    const root = this.root;
    const route = root.attributes['http.route'];
    const memo = this.memo;
    if (memo !== undefined && memo.name === root.name && memo.route === route && memo.knownRoute === knownRoute) return memo.value;
    const value = operationName(root, knownRoute);
    this.memo = { name: root.name, route, knownRoute, value };
    return value;
  }
}

export interface SwSpan {
  readonly segment: Segment;
  readonly spanId: number;
  /** -1 for the segment's first span. */
  readonly parentSpanId: number;
  /**
   * The exact peer string injected into sw8 field 8, kept so the exporter reports the same one. The
   * one field written after the tracker made the SwSpan: by the sw8 propagator, at the span's first inject.
   */
  peer?: string;
}

/** A span's SkyWalking facts live on the span object itself, in the SW_SPAN and LEFT_OUT slots (symbols.ts). */
type Tagged = { [SW_SPAN]?: SwSpan; [LEFT_OUT]?: true };

/** Whether the tracker left this span out of every segment: the exporter lets it go (it was counted). */
export function isLeftOut(span: object | undefined): boolean {
  return span !== undefined && (span as Tagged)[LEFT_OUT] === true;
}

/** SkyWalking facts of a tracked span (the span objects given to onStart / onEnd / exporters). */
export function swSpanOf(span: object | undefined): SwSpan | undefined {
  return span === undefined ? undefined : (span as Tagged)[SW_SPAN];
}

function tag(span: object, sw: SwSpan): void {
  (span as Tagged)[SW_SPAN] = sw;
}

export type SegmentEndReason = 'ended' | 'evicted';

export interface SegmentTrackerOptions {
  /** Open segments tracked at most; the oldest is let go beyond it. Default 10000. */
  maxOpenSegments?: number;
  /** An open segment older than this is let go (its spans were never ended), in ms. Default 600000 (10 min). */
  maxSegmentAgeMillis?: number;
  /** @deprecated Use maxSegmentAgeMillis (OpenTelemetry's `*Millis`); read when maxSegmentAgeMillis is not given. */
  maxSegmentAgeMs?: number;
  /** Called once per segment when its last span ends or when it is evicted. Must not throw. */
  onSegmentEnd?: (segment: Segment, reason: SegmentEndReason) => void;
}

export interface SegmentTrackerStats {
  openSegments: number;
  segmentsStarted: number;
  segmentsEnded: number;
  crossProcessRefs: number;
  crossThreadSegments: number;
  evictedByCap: number;
  evictedByAge: number;
  /** Connection spans that would have opened a segment of their own, left out. */
  leftOutSpans: number;
}

export class SegmentTracker {
  /** Open segments, a list from the oldest (Segment.newerOpen) to the newest. */
  private oldestOpen: Segment | undefined;
  private newestOpen: Segment | undefined;
  private openCount = 0;
  private readonly maxOpenSegments: number;
  private readonly maxSegmentAgeMs: number;
  private readonly onSegmentEnd?: (segment: Segment, reason: SegmentEndReason) => void;
  private readonly stats: Omit<SegmentTrackerStats, 'openSegments'> = {
    segmentsStarted: 0,
    segmentsEnded: 0,
    crossProcessRefs: 0,
    crossThreadSegments: 0,
    evictedByCap: 0,
    evictedByAge: 0,
    leftOutSpans: 0,
  };

  constructor(options: SegmentTrackerOptions = {}) {
    this.maxOpenSegments = positiveInt(options.maxOpenSegments, 10_000);
    this.maxSegmentAgeMs = positiveInt(options.maxSegmentAgeMillis ?? options.maxSegmentAgeMs, 600_000);
    this.onSegmentEnd = options.onSegmentEnd;
  }

  onStart(span: TrackableSpan, parentContext: Context): void {
    if ((span as Tagged)[SW_SPAN] !== undefined) return; // another tracker owns it
    try {
      this.track(span, parentContext);
    } catch (err) {
      diag.error('otel-skywalking: segment bookkeeping failed for a span', err);
    }
  }

  onEnd(span: object): void {
    const sw = (span as Tagged)[SW_SPAN];
    if (sw === undefined || sw.segment.owner !== this) return;
    const segment = sw.segment;
    segment.openSpans--;
    if (segment.openSpans <= 0 && !segment.finished) {
      segment.finished = true;
      this.unlink(segment);
      this.stats.segmentsEnded++;
      this.notify(segment, 'ended');
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    while (this.oldestOpen !== undefined) this.unlink(this.oldestOpen);
    return Promise.resolve();
  }

  getStats(): SegmentTrackerStats {
    return { openSegments: this.openCount, ...this.stats };
  }

  /** The segments open now, oldest first. */
  openSegments(): Segment[] {
    const out: Segment[] = [];
    for (let segment = this.oldestOpen; segment !== undefined; segment = segment.newerOpen) out.push(segment);
    return out;
  }

  private track(span: TrackableSpan, parentContext: Context): void {
    const parentSpan = trace.getSpan(parentContext);
    const parentSw = parentSpan === undefined ? undefined : (parentSpan as Tagged)[SW_SPAN];
    if (parentSw !== undefined && !parentSw.segment.finished) {
      const segment = parentSw.segment;
      tag(span, { segment, spanId: segment.spanCount++, parentSpanId: parentSw.spanId });
      segment.openSpans++;
      if (segment.entryComponent === undefined && segment.root.kind === SpanKind.SERVER) {
        segment.entryComponent = frameworkEntryComponent(scopeNameOf(span));
      }
      return;
    }
    if (isConnectionSpan(span)) {
      (span as Tagged)[LEFT_OUT] = true;
      this.stats.leftOutSpans++;
      return;
    }

    const spanContext = span.spanContext();
    let ref: SegmentRef | undefined;
    let skipAnalysis = getSw8Extension(parentContext)?.skipAnalysis ?? false;
    if (parentSw !== undefined) {
      const parent = parentSw.segment;
      ref = {
        refType: RefType.CrossThread,
        traceId: parent.traceId,
        parentTraceSegmentId: parent.id,
        parentSpanId: parentSw.spanId,
        parentService: parent.service,
        parentServiceInstance: parent.instance,
        parentEndpoint: parent.endpoint,
        networkAddressUsedAtPeer: '',
      };
      skipAnalysis = parent.skipAnalysis;
      this.stats.crossThreadSegments++;
    } else if (parentSpan?.spanContext().isRemote) {
      const incoming = getIncomingSw8(parentContext);
      if (incoming !== undefined && incoming.otelTraceId === spanContext.traceId) {
        ref = {
          refType: RefType.CrossProcess,
          traceId: incoming.traceId,
          parentTraceSegmentId: incoming.parentSegmentId,
          parentSpanId: incoming.parentSpanId,
          parentService: incoming.parentService,
          parentServiceInstance: incoming.parentServiceInstance,
          parentEndpoint: incoming.parentEndpoint,
          networkAddressUsedAtPeer: incoming.targetAddress,
        };
        this.stats.crossProcessRefs++;
      }
    }

    const now = Date.now();
    this.evictStale(now);
    const identity = identityOf(span.resource);
    const segment = new Segment(
      segmentIdFor(spanContext.traceId, spanContext.spanId),
      ref?.traceId ?? swTraceIdOf(spanContext.traceId, spanContext.traceState),
      identity.service,
      identity.instance,
      span,
      ref,
      skipAnalysis,
      now,
      this,
    );
    tag(span, { segment, spanId: segment.spanCount++, parentSpanId: -1 });
    segment.openSpans = 1;
    this.link(segment);
    this.stats.segmentsStarted++;
  }

  private link(segment: Segment): void {
    segment.olderOpen = this.newestOpen;
    if (this.newestOpen === undefined) this.oldestOpen = segment;
    else this.newestOpen.newerOpen = segment;
    this.newestOpen = segment;
    this.openCount++;
  }

  private unlink(segment: Segment): void {
    const { olderOpen, newerOpen } = segment;
    if (olderOpen === undefined) {
      if (this.oldestOpen !== segment) return; // not in the list
      this.oldestOpen = newerOpen;
    } else {
      olderOpen.newerOpen = newerOpen;
    }
    if (newerOpen === undefined) this.newestOpen = olderOpen;
    else newerOpen.olderOpen = olderOpen;
    segment.olderOpen = segment.newerOpen = undefined;
    this.openCount--;
  }

  /** The list is in age order: only the oldest segments are ever looked at. */
  private evictStale(now: number): void {
    for (let segment = this.oldestOpen; segment !== undefined; segment = this.oldestOpen) {
      if (this.openCount >= this.maxOpenSegments) {
        this.stats.evictedByCap++;
      } else if (now - segment.startedAt > this.maxSegmentAgeMs) {
        this.stats.evictedByAge++;
      } else {
        return;
      }
      segment.finished = true;
      segment.evicted = true;
      this.unlink(segment);
      this.notify(segment, 'evicted');
    }
  }

  private notify(segment: Segment, reason: SegmentEndReason): void {
    if (this.onSegmentEnd === undefined) return;
    try {
      this.onSegmentEnd(segment, reason);
    } catch (err) {
      diag.error('otel-skywalking: onSegmentEnd threw', err);
    }
  }
}

function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
