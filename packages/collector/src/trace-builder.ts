/**
 * Links the segments of one trace into span trees the way the OAP's trace query does (protocol
 * §4.4): a span's key is `segmentId + 'S' + spanId`; its parent key is `segmentId + 'S' +
 * parentSpanId`, unless it has refs, then `ref.parentTraceSegmentId + 'S' + ref.parentSpanId` of
 * the last ref. Spans whose parent key is not in the trace become roots.
 */
import type { SegmentObject, SpanObject } from '@otel-skywalking/core/protocol';
import type { MissingParent, Trace, TraceNode, TraceSummary } from './types';

const SPLIT = 'S';

function parentKeyOf(segment: SegmentObject, span: SpanObject): string | undefined {
  const ref = span.refs.length > 0 ? span.refs[span.refs.length - 1] : undefined;
  if (ref !== undefined) return ref.parentTraceSegmentId + SPLIT + ref.parentSpanId;
  return span.parentSpanId === -1 ? undefined : segment.traceSegmentId + SPLIT + span.parentSpanId;
}

function byStart(a: TraceNode, b: TraceNode): number {
  return a.span.startTime - b.span.startTime;
}

/** Builds the tree of one trace from its segments (arrival order). Never throws; cycles are broken. */
export function buildTrace(traceId: string, segments: readonly SegmentObject[]): Trace {
  const nodes = new Map<string, TraceNode>();
  const parentKeys = new Map<TraceNode, string | undefined>();
  let startTime = Infinity;
  let endTime = -Infinity;
  let isError = false;
  for (const segment of segments) {
    for (const span of segment.spans) {
      const key = segment.traceSegmentId + SPLIT + span.spanId;
      if (nodes.has(key)) continue; // duplicate ids: the first one wins, as a validation rule reports
      const node: TraceNode = {
        key,
        segmentId: segment.traceSegmentId,
        service: segment.service,
        serviceInstance: segment.serviceInstance,
        span,
        children: [],
      };
      nodes.set(key, node);
      parentKeys.set(node, parentKeyOf(segment, span));
      if (span.startTime < startTime) startTime = span.startTime;
      if (span.endTime > endTime) endTime = span.endTime;
      if (span.isError) isError = true;
    }
  }
  const parents = new Map<TraceNode, TraceNode>();
  const roots: TraceNode[] = [];
  const missingParents: MissingParent[] = [];
  for (const [node, parentKey] of parentKeys) {
    const parent = parentKey === undefined ? undefined : nodes.get(parentKey);
    if (parent !== undefined && parent !== node) {
      parent.children.push(node);
      parents.set(node, parent);
    } else {
      roots.push(node);
      if (parentKey !== undefined && parent === undefined) missingParents.push({ nodeKey: node.key, parentKey });
    }
  }
  breakCycles(nodes, parents, roots);
  roots.sort(byStart);
  for (const node of nodes.values()) if (node.children.length > 1) node.children.sort(byStart);
  const services = servicesInTreeOrder(roots);
  for (const segment of segments) services.add(segment.service); // services of span-less segments
  const spanCount = nodes.size;
  return {
    traceId,
    segments: [...segments],
    roots,
    missingParents,
    spanCount,
    services: [...services],
    startTime: spanCount === 0 ? 0 : startTime,
    endTime: spanCount === 0 ? 0 : endTime,
    durationMs: spanCount === 0 ? 0 : endTime - startTime,
    isError,
    endpoint: roots[0]?.span.operationName ?? '',
  };
}

/** Services in depth-first order from the roots: the caller before the callee. */
function servicesInTreeOrder(roots: TraceNode[]): Set<string> {
  const services = new Set<string>();
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as TraceNode;
    services.add(node.service);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return services;
}

/** Nodes unreachable from any root sit on a parent cycle: cut each cycle at its first node. */
function breakCycles(nodes: Map<string, TraceNode>, parents: Map<TraceNode, TraceNode>, roots: TraceNode[]): void {
  const seen = new Set<TraceNode>();
  const visit = (root: TraceNode): void => {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop() as TraceNode;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const child of node.children) stack.push(child);
    }
  };
  for (const root of roots) visit(root);
  if (seen.size === nodes.size) return;
  for (const node of nodes.values()) {
    if (seen.has(node)) continue;
    const parent = parents.get(node);
    if (parent !== undefined) parent.children.splice(parent.children.indexOf(node), 1);
    parents.delete(node);
    roots.push(node);
    visit(node);
  }
}

export function summarize(trace: Trace): TraceSummary {
  return {
    traceId: trace.traceId,
    endpoint: trace.endpoint,
    services: trace.services,
    segmentCount: trace.segments.length,
    spanCount: trace.spanCount,
    startTime: trace.startTime,
    durationMs: trace.durationMs,
    isError: trace.isError,
    fragments: trace.missingParents.length,
  };
}
