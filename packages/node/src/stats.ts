/** stats(): the counters of whatever set tracing up last, start() or skyWalkingSdkOptions(). */
import { getCoreStats, type CoreStats } from '@otel-skywalking/core';
import type { SkyWalkingSpanProcessor, SkyWalkingSpanProcessorStats } from '@otel-skywalking/exporter';
import type { SamplerStats, SkyWalkingSampler } from '@otel-skywalking/sampler';

/** Everything counted along the pipeline: what was sampled, exported and dropped, and why. */
export interface TracingStats {
  /** The SkyWalking span processor's stats (exports, drops by reason, circuit); absent with another exporter. */
  exporter?: SkyWalkingSpanProcessorStats;
  sampler?: SamplerStats;
  /** Rejected headers, dropped correlation entries, truncations. */
  core: CoreStats;
}

let source: { processor?: SkyWalkingSpanProcessor; sampler?: SkyWalkingSampler } = {};

/** Makes stats() read these parts (the latest setup wins). */
export function trackStats(parts: { processor?: SkyWalkingSpanProcessor; sampler?: SkyWalkingSampler }): void {
  source = parts;
}

/** The stats of the tracing start(), the register entry points or skyWalkingSdkOptions() set up; core counters only before that. */
export function stats(): TracingStats {
  return { exporter: source.processor?.getStats(), sampler: source.sampler?.getStats(), core: getCoreStats() };
}
