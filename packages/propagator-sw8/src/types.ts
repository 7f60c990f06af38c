export interface Sw8PropagatorOptions {
  /**
   * Service name written into sw8 for spans the segment bookkeeping does not track (sampled-out
   * spans). Default: the tracked resource's name, else SW_AGENT_NAME / OTEL_SERVICE_NAME.
   */
  serviceName?: string;
  /** Instance name for the same case. Default: SW_AGENT_INSTANCE, else `<uuid>@<hostname>`. */
  serviceInstance?: string;
  /** Read and write sw8-correlation as OpenTelemetry baggage. Default true. */
  correlation?: boolean;
}

export interface SkyWalkingPropagatorOptions extends Sw8PropagatorOptions {
  /** Also read and write W3C `traceparent` / `tracestate`. Default true. */
  traceContext?: boolean;
  /** Also read and write W3C `baggage`. Default true. */
  baggage?: boolean;
  /** Read and write SkyWalking `sw8` (with `sw8-correlation` and `sw8-x`). Default true. */
  sw8?: boolean;
}

export interface Sw8PropagatorStats {
  /** sw8 headers written. */
  injected: number;
  /** Valid sw8 headers read. */
  extracted: number;
  /** sw8 headers ignored because traceparent named another trace (traceparent wins). */
  conflicts: number;
}
