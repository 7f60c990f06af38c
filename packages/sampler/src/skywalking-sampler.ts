/**
 * Parent-based sampling with SkyWalking's knobs. A span that is not sampled becomes the SDK's
 * non-recording span: it keeps valid ids, so its trace still propagates (sw8 sample=0,
 * traceparent flags 00) and every child in any async branch finds it as parent.
 */
import {
  diag,
  INVALID_SPANID,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type SpanContext,
  type SpanKind,
} from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { getIncomingSw8, getIncomingSw8Sampled } from '@otel-skywalking/core';
import {
  DEFAULT_IGNORE_SUFFIXES,
  IGNORED_METHOD,
  IGNORED_PATH,
  IGNORED_SUFFIX,
  IgnoreRules,
  NOT_IGNORED,
  splitList,
} from './ignore-rules';
import { samplerOptionsFromEnv } from './env';
import type { RemoteParentNotSampledPolicy, SamplerStats, SkyWalkingSamplerOptions } from './types';
import { WindowLimiter } from './window-limiter';

// Shared, frozen results: a decision allocates nothing.
const RECORD: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

function readRatio(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    diag.warn(`SkyWalkingSampler: ratio must be a number from 0 to 1, got ${String(value)}; using 1`);
    return 1;
  }
  if (value < 0 || value > 1) {
    const clamped = value < 0 ? 0 : 1;
    diag.warn(`SkyWalkingSampler: ratio must be from 0 to 1, got ${value}; using ${clamped}`);
    return clamped;
  }
  return value;
}

function readLimit(value: unknown): number {
  if (value === undefined) return -1;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    diag.warn(`SkyWalkingSampler: samplePer3Secs must be a number, got ${String(value)}; no limit`);
    return -1;
  }
  return value <= 0 || value === Infinity ? -1 : Math.floor(value) || 1;
}

function readPolicy(value: unknown): RemoteParentNotSampledPolicy {
  if (value === undefined || value === 'follow') return 'follow';
  if (value === 'decide') return 'decide';
  diag.warn(`SkyWalkingSampler: remoteParentNotSampled must be 'follow' or 'decide', got ${String(value)}; following`);
  return 'follow';
}

/**
 * Whether the Tracer treated `parent` as the parent: it then passes the parent's trace id, having
 * validated the span context, so only other callers need the full check.
 */
function isParent(parent: SpanContext, traceId: string): boolean {
  return parent.traceId === traceId ? parent.spanId !== INVALID_SPANID : isSpanContextValid(parent);
}

/**
 * traceparent's flags win when it and sw8 describe the same trace (the propagator keeps them), but
 * a sampled trace is followed when either header says so: sw8 sample=1 counts too. The flag is
 * read without decoding the header; only a disagreement (rare) decodes it, to check the trace id.
 */
function sw8SaysSampled(context: Context, traceId: string): boolean {
  if (getIncomingSw8Sampled(context) !== true) return false;
  return getIncomingSw8(context)?.otelTraceId === traceId;
}

/** OpenTelemetry's TraceIdRatioBasedSampler hash, so both agree on which traces a ratio keeps. */
function traceIdBucket(traceId: string): number {
  let accumulation = 0;
  for (let i = 0; i < 32; i += 8) {
    let part = 0;
    for (let j = 0; j < 8; j++) {
      const c = traceId.charCodeAt(i + j);
      part = (part << 4) | (c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87);
    }
    accumulation = (accumulation ^ part) >>> 0;
  }
  return accumulation;
}

/**
 * An OpenTelemetry Sampler that follows the parent's decision (a sampled parent always, even when
 * the local limit is spent) and decides traces started here with SkyWalking's rules: ignore
 * paths, suffixes and methods, then a ratio, then `samplePer3Secs`.
 */
export class SkyWalkingSampler implements Sampler {
  private readonly ratio: number;
  private readonly ratioBound: number;
  private readonly limiter: WindowLimiter;
  private readonly rules: IgnoreRules | undefined;
  private readonly decideRemoteNotSampled: boolean;

  private rootSampled = 0;
  private parentSampled = 0;
  private remoteParentSampled = 0;
  private parentDropped = 0;
  private remoteParentDropped = 0;
  private pathDropped = 0;
  private suffixDropped = 0;
  private methodDropped = 0;
  private ratioDropped = 0;
  private limitDropped = 0;

  /**
   * A sampler configured from SkyWalking's environment variables (see `samplerOptionsFromEnv`),
   * with `options` taking precedence over them.
   */
  static fromEnv(options: SkyWalkingSamplerOptions = {}, env: NodeJS.ProcessEnv = process.env): SkyWalkingSampler {
    return new SkyWalkingSampler({ ...samplerOptionsFromEnv(env), ...definedOnly(options) });
  }

  constructor(options: SkyWalkingSamplerOptions = {}) {
    this.ratio = readRatio(options.ratio);
    this.ratioBound = this.ratio >= 1 ? 0x100000000 : Math.floor(this.ratio * 0xffffffff);
    const clock = typeof options.clock === 'function' ? options.clock : () => performance.now();
    this.limiter = new WindowLimiter(readLimit(options.samplePer3Secs), clock);
    this.rules = IgnoreRules.create(
      splitList(options.ignorePaths),
      options.ignoreSuffixes === undefined ? DEFAULT_IGNORE_SUFFIXES : splitList(options.ignoreSuffixes),
      splitList(options.ignoreMethods),
    );
    this.decideRemoteNotSampled = readPolicy(options.remoteParentNotSampled) === 'decide';
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    _spanKind: SpanKind,
    attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && isParent(parent, traceId)) {
      const sampled = (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
      if (parent.isRemote !== true) {
        if (sampled) {
          this.parentSampled++;
          return RECORD;
        }
        this.parentDropped++;
        return DROP;
      }
      if (sampled || sw8SaysSampled(context, parent.traceId)) {
        // never refused, so no downstream hop cuts a sampled trace; it still fills the window
        this.limiter.acquireForced();
        this.remoteParentSampled++;
        return RECORD;
      }
      if (!this.decideRemoteNotSampled) {
        this.remoteParentDropped++;
        return DROP;
      }
    }
    return this.decideRoot(traceId, spanName, attributes ?? {});
  }

  private decideRoot(traceId: string, spanName: string, attributes: Attributes): SamplingResult {
    if (this.rules !== undefined) {
      const verdict = this.rules.match(spanName, attributes);
      if (verdict !== NOT_IGNORED) {
        if (verdict === IGNORED_PATH) this.pathDropped++;
        else if (verdict === IGNORED_SUFFIX) this.suffixDropped++;
        else if (verdict === IGNORED_METHOD) this.methodDropped++;
        return DROP;
      }
    }
    if (this.ratioBound !== 0x100000000 && !(traceIdBucket(traceId) < this.ratioBound)) {
      this.ratioDropped++;
      return DROP;
    }
    if (!this.limiter.tryAcquire()) {
      this.limitDropped++;
      return DROP;
    }
    this.rootSampled++;
    return RECORD;
  }

  /** Decisions so far by outcome and reason; a fresh object each call. */
  getStats(): SamplerStats {
    const sampled = {
      root: this.rootSampled,
      parent: this.parentSampled,
      remoteParent: this.remoteParentSampled,
    };
    const notSampled = {
      parent: this.parentDropped,
      remoteParent: this.remoteParentDropped,
      ignoredPath: this.pathDropped,
      ignoredSuffix: this.suffixDropped,
      ignoredMethod: this.methodDropped,
      ratio: this.ratioDropped,
      limit: this.limitDropped,
    };
    let decisions = 0;
    for (const n of Object.values(sampled)) decisions += n;
    for (const n of Object.values(notSampled)) decisions += n;
    return {
      decisions,
      sampled,
      notSampled,
      window: { limit: this.limiter.unlimited ? -1 : this.limiter.limit, used: this.limiter.usedInWindow() },
    };
  }

  toString(): string {
    const limit = this.limiter.unlimited ? -1 : this.limiter.limit;
    const rules = this.rules === undefined ? 'none' : this.rules.toString();
    const remote = this.decideRemoteNotSampled ? 'decide' : 'follow';
    return `SkyWalkingSampler{samplePer3Secs=${limit}, ratio=${this.ratio}, ignore=${rules}, remoteParentNotSampled=${remote}}`;
  }
}

function definedOnly(options: SkyWalkingSamplerOptions): SkyWalkingSamplerOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as SkyWalkingSamplerOptions;
}
