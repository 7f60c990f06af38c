/**
 * Options of the collector and the shapes of everything it returns. The data types are plain JSON
 * (no classes, no Maps) so that the HTTP API serves exactly what the TypeScript API returns.
 */
import type { SegmentObject, SpanObject } from '@otel-skywalking/core/protocol';
import type { RuleId, ViolationSeverity } from './rules';

export type { ViolationSeverity } from './rules';
import type { InstanceMeters } from './meter-store';

/** TLS for the gRPC port. PEM strings or Buffers. */
export interface CollectorTlsOptions {
  /** Server private key (PEM). Required. */
  key: string | Buffer;
  /** Server certificate chain (PEM). Required. */
  cert: string | Buffer;
  /** CA bundle that client certificates must chain to; enables mutual TLS. Default: none (no client certificates). */
  ca?: string | Buffer;
  /** With `ca`, reject clients that present no certificate. Default: true when `ca` is set. */
  requireClientCertificate?: boolean;
}

export interface CollectorOptions {
  /** Interface both servers bind to. Default '127.0.0.1'. */
  host?: string;
  /** gRPC port; 0 picks a free one (see the address start() returns). Default 0. */
  grpcPort?: number;
  /** Port of the JSON HTTP API; 0 picks a free one; false (or undefined) serves no HTTP. Default false. */
  httpPort?: number | false;
  /** When set, every gRPC call must carry this value in the `Authentication` metadata (as the OAP checks); others get UNAUTHENTICATED. Default: none. */
  token?: string;
  /** Serve gRPC over TLS (optionally mutual TLS). Default: plaintext. */
  tls?: CollectorTlsOptions;
  /** Segments kept in memory; the oldest is evicted (and counted) beyond it. Default 10000. */
  maxSegments?: number;
  /** Encoded bytes of stored segments kept in memory; the oldest are evicted beyond it. Default 268435456 (256 MiB). */
  maxStoredBytes?: number;
  /** Largest gRPC message accepted; larger ones end the call with RESOURCE_EXHAUSTED. Default 52428800 (50 MiB, the OAP's default). */
  maxMessageBytes?: number;
  /** gRPC calls open at the same time (all clients together); more get RESOURCE_EXHAUSTED. Default 100. */
  maxConcurrentStreams?: number;
  /** A collect stream that sends nothing for this long is ended with DEADLINE_EXCEEDED, freeing its slot. Default 120000. */
  streamIdleTimeoutMillis?: number;
  /** @deprecated Use streamIdleTimeoutMillis (OpenTelemetry's `*Millis`); read when streamIdleTimeoutMillis is not given. */
  streamIdleTimeoutMs?: number;
  /** Instances (from reportInstanceProperties / keepAlive) kept; the oldest is evicted beyond it. Default 1000. */
  maxInstances?: number;
  /** Logs (LogReportService) kept; the oldest is evicted beyond it. Default 10000. */
  maxLogs?: number;
  /** A trace counts as finished when no segment of it arrived for this long (see onTraceFinished). Default 2000. */
  traceQuietMillis?: number;
  /** @deprecated Use traceQuietMillis (OpenTelemetry's `*Millis`); read when traceQuietMillis is not given. */
  traceQuietMs?: number;
  /** Called once a trace is finished (and again if more of its segments arrive later). Must not throw. Default: none. */
  onTraceFinished?: (trace: Trace, update: TraceUpdate) => void;
  /** Called after each accepted MeterReportService report with that instance's meters. Must not throw. Default: none. */
  onMeterReport?: (meters: InstanceMeters) => void;
}

/** Where the collector listens, as start() returns it. */
export interface CollectorAddresses {
  /** `host:port` to give to a SkyWalking agent or exporter (e.g. SW_AGENT_COLLECTOR_BACKEND_SERVICES). */
  grpc: string;
  /** Base URL of the JSON HTTP API, when httpPort was given. */
  http?: string;
}

/** Which violations to return. */
export interface ViolationFilter {
  traceId?: string;
  severity?: ViolationSeverity;
}

/** A rule of the OAP's analysis that a received segment breaks. */
export interface Violation {
  /** Rule id, e.g. 'span.first', 'ref.peer-mismatch'; see VALIDATION_RULES. */
  rule: RuleId;
  severity: ViolationSeverity;
  segmentId: string;
  traceId: string;
  service: string;
  /** The span the rule is about, when it is about one. */
  spanId?: number;
  message: string;
}

/** One span of a trace tree, linked the way the OAP's trace query links them (protocol §4.4). */
export interface TraceNode {
  /** `segmentId + 'S' + spanId`, the OAP's span key. */
  key: string;
  segmentId: string;
  service: string;
  serviceInstance: string;
  span: SpanObject;
  children: TraceNode[];
}

/** A root of the tree whose parent was named (by a ref or parentSpanId) but is not among the received spans. */
export interface MissingParent {
  /** Key of the root node that points at the missing parent. */
  nodeKey: string;
  /** The missing parent's key (`segmentId + 'S' + spanId`). */
  parentKey: string;
}

/** All received segments of one trace id, linked into trees through parentSpanId and refs. */
export interface Trace {
  traceId: string;
  /** Segments in arrival order. */
  segments: SegmentObject[];
  /** Roots: normally one; more means fragments (see missingParents). */
  roots: TraceNode[];
  /** Roots whose parent is not (yet) received: a fragment in the OAP's trace view unless it arrives. */
  missingParents: MissingParent[];
  spanCount: number;
  /** Services in tree order (depth first from the roots: callers before callees). */
  services: string[];
  /** Epoch ms: min startTime / max endTime over all spans (0 when there are no spans). */
  startTime: number;
  endTime: number;
  durationMs: number;
  /** True if any span isError. */
  isError: boolean;
  /** Endpoint of the first root: its operation name. */
  endpoint: string;
}

/** A trace in one line (what /traces lists). */
export interface TraceSummary {
  traceId: string;
  endpoint: string;
  services: string[];
  segmentCount: number;
  spanCount: number;
  startTime: number;
  durationMs: number;
  isError: boolean;
  /** Number of roots whose parent was not received. */
  fragments: number;
}

/** Why onTraceFinished was called again for a trace. */
export interface TraceUpdate {
  /** 0 for the first time a trace is finished, then 1, 2... when late segments arrive. */
  revision: number;
}

/** A service instance as reported through the ManagementService. */
export interface InstanceInfo {
  service: string;
  serviceInstance: string;
  /** `layer` of the last report ('' means GENERAL to the OAP). */
  layer: string;
  /** Properties of the last reportInstanceProperties; repeated keys (e.g. ipv4) are joined with ','. */
  properties: Record<string, string>;
  /** Epoch ms of the last reportInstanceProperties, if any. */
  propertiesReportedAt?: number;
  /** Epoch ms of the last keepAlive, if any. */
  lastKeepAlive?: number;
  keepAlives: number;
}

/** Detect point of a relation, as the OAP names them. */
export type DetectPoint = 'client' | 'server';

/** A service-to-service edge the OAP would draw (protocol §4.2, §4.3). */
export interface TopologyEdge {
  /** Source service: a real service, 'User', or a virtual one named by an address. */
  source: string;
  target: string;
  /** OAP layer of the source node: GENERAL for a reporting service, UNDEFINED for User, VIRTUAL_MQ... */
  sourceLayer: string;
  /** OAP layer of the target node: GENERAL, VIRTUAL_DATABASE, VIRTUAL_CACHE, VIRTUAL_MQ, UNDEFINED, FAAS. */
  targetLayer: string;
  /** Which sides saw the call: 'client' from exit spans, 'server' from entry spans. Both = a joined edge. */
  detectPoints: DetectPoint[];
  /** Component names seen on the client (exit) side, from COMPONENT_NAMES (unknown ids as `#<id>`). */
  sourceComponents: string[];
  /** Component names seen on the server (entry) side. */
  targetComponents: string[];
  /** Span layers seen on this edge ('Http', 'Database', 'MQ', ...). */
  spanLayers: string[];
  /** Spans that produced this edge. */
  calls: number;
}

/** Counters; every drop is counted here. Counters are cumulative (clear() does not reset them). */
export interface CollectorStats {
  /** Segments decoded and accepted (collect and collectInSync). */
  segmentsReceived: number;
  /** Segments held now. */
  segmentsStored: number;
  /** Segments let go because of maxSegments or maxStoredBytes. */
  segmentsEvicted: number;
  /** Encoded bytes of the segments held now. */
  storedBytes: number;
  /** Encoded bytes of every accepted message. */
  bytesReceived: number;
  /** Messages that were not valid protobuf for their method (the call ends with INTERNAL). */
  messagesMalformed: number;
  /** Calls refused for a missing or wrong Authentication token. */
  callsUnauthenticated: number;
  /** Calls refused because maxConcurrentStreams were open. */
  callsOverLimit: number;
  /**
   * Calls that ended without an answer from the collector: oversized messages (RESOURCE_EXHAUSTED),
   * malformed messages or frames, client cancels, disconnects and deadlines.
   */
  callsAborted: number;
  /** All gRPC calls started. */
  callsStarted: number;
  /** gRPC calls open now. */
  callsActive: number;
  /** collect streams opened. */
  streamsOpened: number;
  /** collect streams ended by streamIdleTimeoutMillis. */
  streamsIdleTimedOut: number;
  /** collectInSync calls answered. */
  collectInSyncCalls: number;
  propertiesReports: number;
  keepAlives: number;
  /** Instances let go because of maxInstances. */
  instancesEvicted: number;
  /** Per-segment violations recorded (cumulative, by rule id). */
  violationsByRule: Record<string, number>;
  /** LogData messages received, held now, and let go because of maxLogs. */
  logsReceived: number;
  logsStored: number;
  logsEvicted: number;
}

/** One received log, as GET /logs returns it. */
export interface StoredLog {
  service: string;
  instance: string;
  endpoint: string;
  /** Epoch ms. */
  timestamp: number;
  /** The `level` tag, or ''. */
  level: string;
  /** The text, JSON or YAML content. */
  body: string;
  tags: Record<string, string>;
  /** Null for a log written outside a trace; traceSegmentId is '' for a log of a span not sampled. */
  traceContext: { traceId: string; traceSegmentId: string; spanId: number } | null;
}

/** Options of formatTrace. */
export interface FormatTraceOptions {
  /** Print each span's tags under it. Default false. */
  tags?: boolean;
  /** Print each span's logs under it. Default false. */
  logs?: boolean;
  /** Violations to print under the tree (e.g. collector.violations() filtered to the trace). Default none. */
  violations?: Violation[];
}
