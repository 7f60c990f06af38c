/** getStats(): the counters of whatever set tracing up last, start() or skyWalkingSdkOptions(). */
import { getCoreStats, type CoreStats } from '@otel-skywalking/core';
import type { SkyWalkingSpanProcessor, SkyWalkingSpanProcessorStats } from '@otel-skywalking/exporter';
import type { SkyWalkingLogRecordProcessorStats } from '@otel-skywalking/exporter-logs';
import type { SkyWalkingMetricExporterStats } from '@otel-skywalking/exporter-metrics';
import type { SamplerStats, SkyWalkingSampler } from '@otel-skywalking/sampler';

/** Everything counted along the pipeline: what was sampled, exported and dropped, and why. */
export interface TracingStats {
  /** The SkyWalking span processor's stats (exports, drops by reason, circuit); absent with another exporter. */
  exporter?: SkyWalkingSpanProcessorStats;
  sampler?: SamplerStats;
  /** The meter exporter's stats (reports sent, meters dropped by reason); with the SkyWalking exporter only. */
  meters?: SkyWalkingMetricExporterStats;
  /** Logs sent and dropped (by reason); absent when logs are not reported. */
  logs?: SkyWalkingLogRecordProcessorStats;
  /** Rejected headers, dropped correlation entries, truncations. */
  core: CoreStats;
}

/** The parts whose counters getStats() reads. */
export interface TrackedParts {
  processor?: SkyWalkingSpanProcessor;
  sampler?: SkyWalkingSampler;
  meters?: { getStats(): SkyWalkingMetricExporterStats };
  logs?: { getStats(): SkyWalkingLogRecordProcessorStats };
}

let source: TrackedParts = {};

/** Makes getStats() read these parts (the latest setup wins). */
export function trackStats(parts: TrackedParts): void {
  source = parts;
}

/** The stats of the tracing start(), the register entry points or skyWalkingSdkOptions() set up; core counters only before that. */
export function getStats(): TracingStats {
  return statsOf(source);
}

/** @deprecated Use getStats() (the name every otel-skywalking package uses); kept as an alias. */
export function stats(): TracingStats {
  return getStats();
}

/** The counters of these parts, and core's. */
export function statsOf(parts: TrackedParts): TracingStats {
  return {
    exporter: parts.processor?.getStats(),
    sampler: parts.sampler?.getStats(),
    meters: parts.meters?.getStats(),
    logs: parts.logs?.getStats(),
    core: getCoreStats(),
  };
}
