/** Shared test helpers: contexts with parents, random ids, a manual clock. */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { SkyWalkingSampler } from '../src';

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function parentContext(sampled: boolean, isRemote: boolean, traceId = newTraceId()): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: newSpanId(),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote,
  });
}

/** A clock the test moves by hand. */
export class ManualClock {
  now = 0;
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** Whether the sampler records a span (RECORD_AND_SAMPLED). */
export function records(
  sampler: SkyWalkingSampler,
  options: { context?: Context; name?: string; attributes?: Attributes; traceId?: string; kind?: SpanKind } = {},
): boolean {
  const result = sampler.shouldSample(
    options.context ?? ROOT_CONTEXT,
    options.traceId ?? newTraceId(),
    options.name ?? 'GET',
    options.kind ?? SpanKind.SERVER,
    options.attributes ?? {},
    [],
  );
  return result.decision === SamplingDecision.RECORD_AND_SAMPLED;
}
