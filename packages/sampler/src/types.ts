/** Options and stats of the SkyWalking sampler. */

/** What the sampler does with a span whose remote parent says "not sampled". */
export type RemoteParentNotSampledPolicy = 'follow' | 'decide';

export interface SkyWalkingSamplerOptions {
  /**
   * Traces started here and recorded per 3-second window, as the Java agent's
   * `agent.sample_n_per_3_secs` (SW_AGENT_SAMPLE_N_PER_3_SECS). 0 or less: no limit, as in the Java
   * agent; use `ratio: 0` to record nothing. Entries continuing a sampled remote trace use up the
   * window too but are never refused. Default -1.
   */
  samplePer3Secs?: number;
  /**
   * Fraction (0..1) of traces started here that are recorded, decided from the trace id exactly as
   * OpenTelemetry's TraceIdRatioBasedSampler does (OTEL_TRACES_SAMPLER_ARG with
   * OTEL_TRACES_SAMPLER=parentbased_traceidratio). Default 1.
   */
  ratio?: number;
  /**
   * Path globs whose traces are not recorded (SW_TRACE_IGNORE_PATH): `?` one character other than
   * '/', `*` a run of them, `**` any number of path parts; `METHOD:/path` forms match the method
   * too. A comma-separated string or a list. Default none.
   */
  ignorePaths?: string | readonly string[];
  /**
   * Path suffixes whose traces are not recorded, compared case-insensitively (SW_IGNORE_SUFFIX).
   * A comma-separated string or a list; '' or [] turns the rule off. Default DEFAULT_IGNORE_SUFFIXES.
   */
  ignoreSuffixes?: string | readonly string[];
  /** HTTP methods whose traces are not recorded, case-insensitive (SW_HTTP_IGNORE_METHOD). Default none. */
  ignoreMethods?: string | readonly string[];
  /**
   * A remote parent that is not sampled (sw8 sample=0, traceparent flags 00): 'follow' keeps the
   * trace unsampled here; 'decide' makes the same decision as for a trace started here (ignore
   * rules, ratio, limit), keeping the trace id. Default 'follow'.
   */
  remoteParentNotSampled?: RemoteParentNotSampledPolicy;
  /** Milliseconds clock for the 3-second windows, for deterministic tests. Default performance.now. */
  clock?: () => number;
}

/** Spans recorded, by the reason for recording them. */
export interface SampledCounts {
  /** Started here (no parent, or a remote parent not followed) and passed the rules, ratio and limit. */
  root: number;
  /** Child of a sampled span in this process. */
  parent: number;
  /** Child of a sampled remote parent (traceparent flag or sw8 sample=1); never refused. */
  remoteParent: number;
}

/** Spans not recorded (non-recording spans that still carry the trace), by the reason. */
export interface NotSampledCounts {
  /** Child of an unsampled span in this process. */
  parent: number;
  /** Child of an unsampled remote parent, followed. */
  remoteParent: number;
  /** Matched an ignore-path glob. */
  ignoredPath: number;
  /** Matched an ignored suffix. */
  ignoredSuffix: number;
  /** Used an ignored HTTP method. */
  ignoredMethod: number;
  /** Fell outside the ratio. */
  ratio: number;
  /** The 3-second window's limit was spent. */
  limit: number;
}

/** Sampling decisions so far, shaped to sit beside the exporter's stats. */
export interface SamplerStats {
  /** All decisions taken. */
  decisions: number;
  sampled: SampledCounts;
  notSampled: NotSampledCounts;
  /** The current 3-second window: its limit (-1: none) and how much of it is used. */
  window: { limit: number; used: number };
}
