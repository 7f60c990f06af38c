/**
 * The service map the OAP would draw from a set of segments (protocol §4.2, §4.3):
 * - Entry spans give server-side edges: from ref.parentService, from the MQ address (MQ layer), from
 *   the span's peer (MQ layer without refs), else from "User".
 * - Exit spans with a peer give client-side edges to the service that recorded that peer as its
 *   networkAddressUsedAtPeer (the STAM alias), else to a virtual service named by the peer.
 * Spans with skipAnalysis give nothing. Aliases are taken from all segments, in any arrival order:
 * this is the map once everything is received.
 */
import { COMPONENT_NAMES } from '@otel-skywalking/core';
import { RefType, SpanLayer, SpanType, type SegmentObject } from '@otel-skywalking/core/protocol';
import type { DetectPoint, TopologyEdge } from './types';

/** An edge with the traces whose spans drew it and how many of those spans failed (for the web view's map). */
export interface TracedTopologyEdge extends TopologyEdge {
  /** Trace ids of the spans that produced this edge, in arrival order. */
  traceIds: string[];
  /** Spans of this edge with isError set. */
  errorCalls: number;
}

export const USER_NODE = 'User';

const REMOTE_LAYER: Readonly<Record<number, string>> = {
  [SpanLayer.Database]: 'VIRTUAL_DATABASE',
  [SpanLayer.Cache]: 'VIRTUAL_CACHE',
  [SpanLayer.MQ]: 'VIRTUAL_MQ',
  [SpanLayer.Http]: 'GENERAL',
  [SpanLayer.RPCFramework]: 'GENERAL',
  [SpanLayer.Unknown]: 'UNDEFINED',
  [SpanLayer.FAAS]: 'FAAS',
};

export function componentName(id: number): string {
  return COMPONENT_NAMES[id] ?? `#${id}`;
}

export function layerName(layer: number): string {
  return SpanLayer[layer] ?? `#${layer}`;
}

/** Where a span that draws an edge came from: its trace and whether it failed. */
interface EdgeOrigin {
  traceId: string;
  isError: boolean;
}

class EdgeSet {
  private readonly edges = new Map<string, { edge: TopologyEdge; traceIds: Set<string>; errorCalls: number }>();

  add(source: string, sourceLayer: string, target: string, targetLayer: string, detectPoint: DetectPoint, componentId: number, spanLayer: number, origin: EdgeOrigin): void {
    const key = `${source}\u0000${target}`;
    let entry = this.edges.get(key);
    if (entry === undefined) {
      const edge: TopologyEdge = { source, target, sourceLayer, targetLayer, detectPoints: [], sourceComponents: [], targetComponents: [], spanLayers: [], calls: 0 };
      entry = { edge, traceIds: new Set(), errorCalls: 0 };
      this.edges.set(key, entry);
    }
    const { edge } = entry;
    entry.traceIds.add(origin.traceId);
    if (origin.isError) entry.errorCalls++;
    edge.calls++;
    addOnce(edge.detectPoints, detectPoint);
    addOnce(detectPoint === 'client' ? edge.sourceComponents : edge.targetComponents, componentName(componentId));
    addOnce(edge.spanLayers, layerName(spanLayer));
  }

  list(): TopologyEdge[] {
    return [...this.edges.values()].map((entry) => entry.edge);
  }

  listTraced(): TracedTopologyEdge[] {
    return [...this.edges.values()].map(({ edge, traceIds, errorCalls }) => ({ ...edge, traceIds: [...traceIds], errorCalls }));
  }
}

function addOnce<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

/** networkAddressUsedAtPeer → the service that recorded it (NetworkAddressAliasMappingListener). */
function aliases(segments: Iterable<SegmentObject>): Map<string, string> {
  const map = new Map<string, string>();
  for (const segment of segments) {
    for (const span of segment.spans) {
      if (span.spanType !== SpanType.Entry || span.skipAnalysis || span.spanLayer === SpanLayer.MQ) continue;
      for (const ref of span.refs) {
        if (ref.refType === RefType.CrossProcess && ref.networkAddressUsedAtPeer !== '') {
          map.set(ref.networkAddressUsedAtPeer, segment.service);
        }
      }
    }
  }
  return map;
}

export function buildTopology(segments: readonly SegmentObject[]): TopologyEdge[] {
  return collectEdges(segments).list();
}

/** buildTopology, each edge with the traces through it and its failed calls. */
export function buildTracedTopology(segments: readonly SegmentObject[]): TracedTopologyEdge[] {
  return collectEdges(segments).listTraced();
}

function collectEdges(segments: readonly SegmentObject[]): EdgeSet {
  const alias = aliases(segments);
  const edges = new EdgeSet();
  for (const segment of segments) {
    for (const span of segment.spans) {
      if (span.skipAnalysis) continue;
      const { componentId, spanLayer } = span;
      const origin: EdgeOrigin = { traceId: segment.traceId, isError: span.isError };
      if (span.spanType === SpanType.Entry) {
        const mq = spanLayer === SpanLayer.MQ;
        if (span.refs.length === 0) {
          if (mq && span.peer !== '') edges.add(span.peer, 'VIRTUAL_MQ', segment.service, 'GENERAL', 'server', componentId, spanLayer, origin);
          else edges.add(USER_NODE, 'UNDEFINED', segment.service, 'GENERAL', 'server', componentId, spanLayer, origin);
        }
        for (const ref of span.refs) {
          if (mq && ref.networkAddressUsedAtPeer !== '') {
            edges.add(ref.networkAddressUsedAtPeer, 'VIRTUAL_MQ', segment.service, 'GENERAL', 'server', componentId, spanLayer, origin);
          } else {
            edges.add(ref.parentService, 'GENERAL', segment.service, 'GENERAL', 'server', componentId, spanLayer, origin);
          }
        }
      } else if (span.spanType === SpanType.Exit && span.peer !== '') {
        const real = alias.get(span.peer);
        if (real !== undefined) edges.add(segment.service, 'GENERAL', real, 'GENERAL', 'client', componentId, spanLayer, origin);
        else edges.add(segment.service, 'GENERAL', span.peer, REMOTE_LAYER[spanLayer] ?? 'UNDEFINED', 'client', componentId, spanLayer, origin);
      }
    }
  }
  return edges;
}
