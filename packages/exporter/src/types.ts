/**
 * Options and stats of the exporter and the span processor. Every option has its default in its
 * doc comment; environment variables apply when the option is not given.
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { SegmentTrackerStats } from '@otel-skywalking/core';

/** TLS material for the connection to the OAP (PEM, as a string or a Buffer). */
export interface SkyWalkingTlsOptions {
  /** CA bundle the OAP's certificate must chain to. Default: Node's bundled root CAs (SW_AGENT_SSL_TRUSTED_CA_PATH). */
  ca?: string | Buffer;
  /** Client certificate chain for mutual TLS, with `key`. Default: none (SW_AGENT_SSL_CERT_CHAIN_PATH). */
  cert?: string | Buffer;
  /** Private key of `cert`. Default: none (SW_AGENT_SSL_KEY_PATH). */
  key?: string | Buffer;
}

/** Which span attributes become SkyWalking tags, by exact key or by prefix ending in `*`. */
export interface TagAttributeFilter {
  /** Only these attributes become tags. Default ['*'] (all). */
  include?: string[];
  /** These attributes never become tags (checked after include). Default [] (none). */
  exclude?: string[];
}

/** The TraceSegmentReportService RPC that carries segments (see SkyWalkingExporterOptions.reportMethod). */
export type ReportMethod = 'collectInSync' | 'collect';

export interface SkyWalkingExporterOptions {
  /** OAP gRPC address(es): `host:port`, a comma-separated list or an array; later ones are failovers. Default SW_AGENT_COLLECTOR_BACKEND_SERVICES, else '127.0.0.1:11800'. */
  collector?: string | string[];
  /** Token sent as `Authentication` metadata on every call. Default SW_AGENT_AUTHENTICATION, else none. */
  authentication?: string;
  /** TLS: true for the bundled root CAs, or CA / client certificate material. Default: on when SW_AGENT_SECURE or SW_AGENT_FORCE_TLS is 'true' or an SW_AGENT_SSL_* path is set, else plaintext. */
  tls?: boolean | SkyWalkingTlsOptions;
  /**
   * RPC that carries segments: 'collectInSync' sends each batch as one SegmentCollection message;
   * 'collect' streams one message per segment (grpc-js writes those one per event-loop turn, which
   * costs a busy app CPU and latency). Both are served by the OAP, SkyWalking Satellite and the
   * OpenTelemetry Collector's skywalking receiver. Default 'collectInSync'.
   */
  reportMethod?: ReportMethod;
  /** Deadline of one export (connect wait, the call and its reply), in ms. Default SW_AGENT_TRACE_TIMEOUT, else 10000. */
  timeoutMillis?: number;
  /** Longest wait for a connection before a batch is dropped, in ms (never longer than timeoutMillis). Default 3000. */
  connectTimeoutMillis?: number;
  /** Export calls in flight at once (1 or 2). Default 2. */
  maxConcurrentStreams?: number;
  /** Encoded segments waiting for a free call; beyond it new batches are dropped. Default 2048. */
  maxPendingSegments?: number;
  /** Bytes written to a call and not yet taken by HTTP/2 before writing pauses. Default 1048576 (1 MiB). */
  maxStreamBufferBytes?: number;
  /** How long written bytes may wait for HTTP/2 before the call is cancelled and its batch dropped (the OAP stopped reading), in ms. Default 2000. */
  drainTimeoutMillis?: number;
  /** Consecutive failed exports that open the circuit. Default 5. */
  circuitFailureThreshold?: number;
  /**
   * First time the circuit stays open, in ms; doubles (jittered) on each reopening. A channel that
   * reconnects after failing to connect ends it at once. Also the first reconnect delay (at most 1 s).
   * Default 1000.
   */
  backoffInitialMillis?: number;
  /** Longest time the circuit stays open, and longest delay between reconnect attempts, in ms. Default 30000. */
  backoffMaxMillis?: number;
  /** keepAlive period of the ManagementService heartbeat, in ms; 0 turns the heartbeat off. Default SW_AGENT_COLLECTOR_HEARTBEAT_PERIOD (seconds) × 1000, else 30000. */
  heartbeatIntervalMillis?: number;
  /** Instance properties are re-reported every this many heartbeats. Default SW_AGENT_COLLECTOR_PROPERTIES_REPORT_PERIOD_FACTOR, else 10. */
  propertiesReportFactor?: number;
  /** Layer reported with the instance (InstanceProperties.layer / InstancePingPkg.layer). Default 'GENERAL'. */
  layer?: string;
  /** Which attributes (besides the ones mapped to SkyWalking's own tags) become tags. Default: all. */
  tagAttributes?: TagAttributeFilter;
  /** Longest tag value in characters; longer values are cut and counted. Searchable tags are cut to the OAP's 256 (key=value). Default 2048. */
  maxTagValueLength?: number;
  /**
   * HTTP entry (server) spans answering this status or higher are errors, as SkyWalking's agents mark
   * them; 0 leaves it to the span status (OpenTelemetry marks only 5xx). Default SW_HTTP_ERROR_STATUS_THRESHOLD, else 400.
   */
  httpErrorStatusThreshold?: number;
  /** Reports the stats as OpenTelemetry metrics through this provider. Default: none. */
  meterProvider?: MeterProvider;
}

export interface SkyWalkingSpanProcessorOptions extends SkyWalkingExporterOptions {
  /** Export queue size in spans, as the BatchSpanProcessor's; a segment that does not fit is dropped whole. Default OTEL_BSP_MAX_QUEUE_SIZE, else 2048. */
  maxQueueSize?: number;
  /** Export batch size in spans, as the BatchSpanProcessor's. Default OTEL_BSP_MAX_EXPORT_BATCH_SIZE, else 512. */
  maxExportBatchSize?: number;
  /** Delay between exports, in ms, as the BatchSpanProcessor's. Default OTEL_BSP_SCHEDULE_DELAY, else 5000. */
  scheduledDelayMillis?: number;
  /** Export timeout, in ms, as the BatchSpanProcessor's; the exporter's own deadline is kept below it. Default OTEL_BSP_EXPORT_TIMEOUT, else 30000. */
  exportTimeoutMillis?: number;
  /** Spans kept per segment; later ones are dropped and the segment is sent with isSizeLimited. Default SW_AGENT_SPAN_LIMIT, else 300. */
  maxSpansPerSegment?: number;
  /** Ended spans held while their segment is still open; beyond it the segment that grows is dropped whole. Default 8192. */
  maxHeldSpans?: number;
  /** Open segments tracked at most; the oldest is exported incomplete beyond it. Default 10000. */
  maxOpenSegments?: number;
  /** An open segment older than this is exported incomplete, in ms. Default 600000 (10 min). */
  maxSegmentAgeMillis?: number;
  /** @deprecated Use maxSegmentAgeMillis (OpenTelemetry's `*Millis`); read when maxSegmentAgeMillis is not given. */
  maxSegmentAgeMs?: number;
  /** Longest time shutdown() and forceFlush() take, in ms; what is not sent by then is dropped and counted. Default 5000. */
  shutdownTimeoutMillis?: number;
}

/** Why spans or segments were not delivered: every reason, in the order stats list them. */
export const DROP_REASONS = [
  /** The batch processor's queue had no room for the whole segment. */
  'queue_full',
  /** Too many ended spans of open segments were held (maxHeldSpans). */
  'held_full',
  /** Spans past maxSpansPerSegment (the segment is sent with isSizeLimited). */
  'span_limit',
  /** A span ended after its segment was exported incomplete (evicted by age or cap, or flushed at shutdown). */
  'segment_closed',
  /** The circuit was open after repeated failures. */
  'circuit_open',
  /** No free call and no room among the pending segments. */
  'pending_full',
  /** No connection (refused, not ready in time, UNAVAILABLE). */
  'unavailable',
  /** The OAP stopped reading: written bytes were not taken by HTTP/2 in time. */
  'stalled',
  /** The export deadline passed. */
  'timeout',
  /** The OAP answered with an error status (UNAUTHENTICATED, RESOURCE_EXHAUSTED, ...) or an unreadable reply. */
  'rejected',
  /** One segment larger than the OAP's 50 MiB message limit. */
  'too_large',
  /** A span could not be converted (never expected; counted instead of thrown). */
  'conversion_error',
  /** Given to the exporter after shutdown, or still unsent when shutdown's time ran out. */
  'shutdown',
] as const;

/** Why spans or segments were not delivered (one of DROP_REASONS, where each is explained). */
export type DropReason = (typeof DROP_REASONS)[number];

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface SkyWalkingExporterStats {
  /** Spans in segments the OAP acknowledged. */
  spansExported: number;
  segmentsExported: number;
  /** Encoded bytes of the acknowledged segments. */
  bytesExported: number;
  /** Export attempts that ended in an acknowledgement / in a failure. */
  exportsSucceeded: number;
  exportsFailed: number;
  droppedSpans: Record<DropReason, number>;
  droppedSegments: Record<DropReason, number>;
  /** Names, ids and tag values cut to the OAP's limits. */
  truncations: number;
  /** Segments sent with placeholder spans because some of their spans were missing. */
  incompleteSegments: number;
  /** Time from starting an export to its outcome, in ms. */
  exportLatencyMs: { count: number; mean: number; max: number; last: number };
  circuit: {
    state: CircuitState;
    consecutiveFailures: number;
    /** How many times the circuit opened. */
    opened: number;
    /** Until when (epoch ms) the circuit stays open; 0 when closed. */
    openUntil: number;
  };
  /** The OAP address in use. */
  collector: string;
  /** Whether the connection to the OAP uses TLS, as resolved from the `tls` option or SW_AGENT_SECURE & co. */
  tls: boolean;
  /** Last error seen from the OAP, if any. */
  lastError?: string;
  inFlightStreams: number;
  pendingSegments: number;
  /** Spans waiting for the rest of their segment (split over export batches). */
  assemblingSpans: number;
}

export interface SkyWalkingSpanProcessorStats extends SkyWalkingExporterStats {
  /** Spans in the export queue (whole encoded segments, counted in spans). */
  queuedSpans: number;
  /** Ended spans held until their segment ends. */
  heldSpans: number;
  /** Segments with held spans. */
  heldSegments: number;
  tracker: SegmentTrackerStats;
}
