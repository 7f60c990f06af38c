/**
 * The exporter's counters, shared by the processor, the assembler and the transport so that every
 * drop lands in one place. Plain numbers: counting costs an increment.
 */
import { DROP_REASONS, type DropReason } from './types';

function zeroByReason(): Record<DropReason, number> {
  const counts = {} as Record<DropReason, number>;
  for (const reason of DROP_REASONS) counts[reason] = 0;
  return counts;
}

export class ExporterStats {
  spansExported = 0;
  segmentsExported = 0;
  bytesExported = 0;
  exportsSucceeded = 0;
  exportsFailed = 0;
  truncations = 0;
  incompleteSegments = 0;
  readonly droppedSpans = zeroByReason();
  readonly droppedSegments = zeroByReason();
  latencyCount = 0;
  latencySum = 0;
  latencyMax = 0;
  latencyLast = 0;
  lastError: string | undefined;
  /** Set when metrics are on: export latency is recorded there too. */
  latencyHistogram: { record(ms: number, outcome: 'success' | DropReason): void } | undefined;

  drop(reason: DropReason, spans: number, segments: number): void {
    this.droppedSpans[reason] += spans;
    this.droppedSegments[reason] += segments;
  }

  recordLatency(ms: number, outcome: 'success' | DropReason): void {
    this.latencyCount++;
    this.latencySum += ms;
    this.latencyLast = ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
    this.latencyHistogram?.record(ms, outcome);
  }
}
