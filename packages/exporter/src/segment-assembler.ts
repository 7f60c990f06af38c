/**
 * Where spans become segments. Spans the SegmentTracker knows carry their segment and SkyWalking
 * span id (swSpanOf). SkyWalkingSpanProcessor holds them until their segment ends and assembles it
 * then (assembleSegment). Under a plain BatchSpanProcessor with a SegmentTracker registered, they
 * are gathered per segment until all of them arrived, which also joins a segment that the batch
 * processor split over consecutive batches. Spans nobody tracked (the
 * exporter under a plain BatchSpanProcessor) are grouped per batch by their local root, and get
 * span ids here. Every segment that leaves is valid: span 0 with parent -1, ids dense; a missing
 * span becomes a placeholder and the segment is marked isSizeLimited.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as core from '@otel-skywalking/core';
import type { Segment, SegmentRef } from '@otel-skywalking/core';
import type { ExporterStats } from './exporter-stats';

// Bound once: the package index re-exports through getters, which cost a call on every use.
const { identityOf, isLeftOut, segmentIdFor, swSpanOf, swTraceIdOf } = core;

/** A segment ready to convert: its spans by SkyWalking span id (holes = spans not exported). */
export interface AssembledSegment {
  traceId: string;
  segmentId: string;
  service: string;
  instance: string;
  /** Index = SkyWalking span id; undefined where a span is missing. */
  spans: (ReadableSpan | undefined)[];
  /** Parent span id per index (-1 for span 0). */
  parents: number[];
  /** Reference of span 0 (CrossProcess from an incoming sw8, CrossThread for a late child). */
  ref: SegmentRef | undefined;
  skipAnalysis: boolean;
  sizeLimited: boolean;
  /** Real spans (not placeholders). */
  spanCount: number;
}

export interface SegmentAssemblerOptions {
  /** Keep incomplete tracked segments across calls (the exporter); false emits them at once. */
  carry: boolean;
  /** Spans of incomplete segments kept at most; the oldest segment is emitted incomplete beyond it. */
  maxAssemblingSpans: number;
  /** An incomplete segment older than this is emitted incomplete. */
  maxAssemblingAgeMs: number;
}

/** Segment ids sent already, the most recent `max` of them (late spans of those are dropped). */
class RecentIds {
  private readonly ids = new Set<string>();
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly max: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.order.length < this.max) {
      this.order.push(id);
    } else {
      this.ids.delete(this.order[this.next]);
      this.order[this.next] = id;
      this.next = (this.next + 1) % this.max;
    }
    this.ids.add(id);
  }
}

class PartialSegment {
  readonly spans: (ReadableSpan | undefined)[] = [];
  readonly parents: number[] = [];
  count = 0;
  touched = false;

  constructor(
    readonly segment: Segment,
    readonly since: number,
  ) {}
}

export class SegmentAssembler {
  private readonly partial = new Map<Segment, PartialSegment>();
  // Spans of a segment that already left are dropped, not sent as a second segment with the same
  // id. Kept as ids, not Segment objects, so that nothing keeps a root span alive.
  private readonly emitted = new RecentIds(8192);
  private partialSpans = 0;

  constructor(
    private readonly options: SegmentAssemblerOptions,
    private readonly stats: ExporterStats,
  ) {}

  /** Spans held until the rest of their segment arrives. */
  get assemblingSpans(): number {
    return this.partialSpans;
  }

  /** Adds a batch; returns the segments it completed (and any that had to leave incomplete). */
  add(spans: readonly ReadableSpan[], now: number): AssembledSegment[] {
    const out: AssembledSegment[] = [];
    const touched: PartialSegment[] = [];
    let loose: ReadableSpan[] | undefined;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i];
      const sw = swSpanOf(span);
      if (sw === undefined) {
        // a connection span the tracker left out of every segment (counted there)
        if (isLeftOut(span)) continue;
        (loose ??= []).push(span);
        continue;
      }
      const segment = sw.segment;
      if (this.options.carry && this.emitted.has(segment.id)) {
        // its segment already left (incomplete); sending it again would duplicate the segment id
        this.stats.drop('segment_closed', 1, 0);
        continue;
      }
      let partial = this.partial.get(segment);
      if (partial === undefined) {
        partial = new PartialSegment(segment, now);
        this.partial.set(segment, partial);
      }
      if (partial.spans[sw.spanId] === undefined) {
        partial.spans[sw.spanId] = span;
        partial.parents[sw.spanId] = sw.parentSpanId;
        partial.count++;
        this.partialSpans++;
      }
      if (!partial.touched) {
        partial.touched = true;
        touched.push(partial);
      }
    }
    for (const partial of touched) {
      partial.touched = false;
      if (!this.options.carry || this.isComplete(partial)) out.push(this.emit(partial));
    }
    this.evictOverdue(now, out);
    if (loose !== undefined) groupByLocalRoot(loose, out);
    return out;
  }

  /** Everything still assembling, as (incomplete) segments: for forceFlush and shutdown. */
  drain(): AssembledSegment[] {
    const out: AssembledSegment[] = [];
    for (const partial of [...this.partial.values()]) out.push(this.emit(partial));
    return out;
  }

  private isComplete(partial: PartialSegment): boolean {
    // The segment must have ended and every span of it arrived.
    return partial.segment.finished && partial.count >= partial.segment.spanCount;
  }

  /** Map order is arrival order: only the oldest entries are looked at. */
  private evictOverdue(now: number, out: AssembledSegment[]): void {
    for (const partial of this.partial.values()) {
      if (this.partialSpans <= this.options.maxAssemblingSpans && now - partial.since <= this.options.maxAssemblingAgeMs) {
        return;
      }
      out.push(this.emit(partial));
    }
  }

  private emit(partial: PartialSegment): AssembledSegment {
    const segment = partial.segment;
    this.partial.delete(segment);
    this.partialSpans -= partial.count;
    if (this.options.carry) this.emitted.add(segment.id);
    const complete = segment.finished && partial.count >= segment.spanCount;
    return toAssembled(segment, partial.spans, partial.parents, partial.count, !complete);
  }
}

/**
 * A tracked segment whose spans are all at hand (SkyWalkingSpanProcessor holds them until the
 * segment ends). `spans` are the segment's spans in any order; a span id none of them has becomes
 * a placeholder.
 */
export function assembleSegment(segment: Segment, spans: readonly ReadableSpan[], sizeLimited: boolean): AssembledSegment {
  const slots: (ReadableSpan | undefined)[] = [];
  const parents: number[] = [];
  let count = 0;
  for (let i = 0; i < spans.length; i++) {
    const sw = swSpanOf(spans[i]);
    if (sw === undefined || sw.segment !== segment || slots[sw.spanId] !== undefined) continue;
    // span ids are below maxSpansPerSegment: the arrays stay small, their gaps are placeholders
    slots[sw.spanId] = spans[i];
    parents[sw.spanId] = sw.parentSpanId;
    count++;
  }
  return toAssembled(segment, slots, parents, count, sizeLimited);
}

function toAssembled(
  segment: Segment,
  spans: (ReadableSpan | undefined)[],
  parents: number[],
  count: number,
  sizeLimited: boolean,
): AssembledSegment {
  let holes = 0;
  for (let id = 0; id < spans.length; id++) {
    if (spans[id] === undefined) {
      holes++;
      // the missing span's own parent is unknown: hang it under span 0
      parents[id] = id === 0 ? -1 : 0;
    }
  }
  return {
    traceId: segment.traceId,
    segmentId: segment.id,
    service: segment.service,
    instance: segment.instance,
    spans,
    parents,
    ref: segment.ref,
    skipAnalysis: segment.skipAnalysis,
    sizeLimited: sizeLimited || holes > 0,
    spanCount: count,
  };
}

/**
 * Groups untracked spans of one batch into segments: a span whose parent is remote, absent or not
 * in the batch starts a segment; span ids follow start order, span 0 being the root. The segment id is derived from the root as the tracker
 * would derive it (core's segmentIdFor).
 */
function groupByLocalRoot(spans: readonly ReadableSpan[], out: AssembledSegment[]): void {
  const byId = new Map<string, ReadableSpan>();
  for (const span of spans) byId.set(span.spanContext().spanId, span);
  const children = new Map<ReadableSpan, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const span of spans) {
    const parentContext = span.parentSpanContext;
    const parent =
      parentContext === undefined || parentContext.isRemote || parentContext.traceId !== span.spanContext().traceId
        ? undefined
        : byId.get(parentContext.spanId);
    if (parent === undefined || parent === span) {
      roots.push(span);
      continue;
    }
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [span]);
    else list.push(span);
  }
  let placed = 0;
  for (const root of roots) placed += emitTree(root, children, out);
  if (placed < spans.length) {
    // Only a parent cycle (never produced by the SDK) leaves spans unplaced: send each alone.
    const seen = new Set<ReadableSpan>();
    for (const segment of out) for (const span of segment.spans) if (span !== undefined) seen.add(span);
    for (const span of spans) if (!seen.has(span)) emitTree(span, new Map(), out);
  }
}

function emitTree(root: ReadableSpan, children: Map<ReadableSpan, ReadableSpan[]>, out: AssembledSegment[]): number {
  // Breadth-first to collect the tree with depths, then ids in start order (ties: shallower first,
  // so a parent that started in the same nanosecond as its child still gets the lower id).
  const members: TreeMember[] = [{ span: root, depth: 0, parent: undefined, id: 0 }];
  for (let i = 0; i < members.length; i++) {
    const kids = children.get(members[i].span);
    if (kids === undefined) continue;
    for (const kid of kids) members.push({ span: kid, depth: members[i].depth + 1, parent: members[i], id: 0 });
  }
  if (members.length > 1) members.sort(byStartThenDepth);
  const ordered: ReadableSpan[] = new Array(members.length);
  const parents: number[] = new Array(members.length);
  for (let i = 0; i < members.length; i++) members[i].id = i;
  for (let i = 0; i < members.length; i++) {
    ordered[i] = members[i].span;
    parents[i] = members[i].parent?.id ?? -1;
  }
  if (parents[0] !== -1) {
    // the root started after a descendant (custom start times): keep the root as span 0
    const rootIndex = parents.indexOf(-1);
    const moved = members.splice(rootIndex, 1)[0];
    members.unshift(moved);
    for (let i = 0; i < members.length; i++) members[i].id = i;
    for (let i = 0; i < members.length; i++) {
      ordered[i] = members[i].span;
      parents[i] = members[i].parent?.id ?? -1;
    }
  }
  const context = root.spanContext();
  const identity = identityOf(root.resource);
  out.push({
    traceId: swTraceIdOf(context.traceId, context.traceState),
    segmentId: segmentIdFor(context.traceId, context.spanId),
    service: identity.service,
    instance: identity.instance,
    spans: ordered,
    parents,
    ref: undefined,
    skipAnalysis: false,
    sizeLimited: false,
    spanCount: ordered.length,
  });
  return ordered.length;
}

interface TreeMember {
  span: ReadableSpan;
  depth: number;
  parent: TreeMember | undefined;
  id: number;
}

function byStartThenDepth(a: TreeMember, b: TreeMember): number {
  const x = a.span.startTime;
  const y = b.span.startTime;
  return x[0] - y[0] || x[1] - y[1] || a.depth - b.depth;
}
