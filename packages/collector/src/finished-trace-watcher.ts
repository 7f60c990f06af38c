/**
 * Decides when a trace is finished: no segment of it arrived for `quietMs`. A SkyWalking agent or
 * exporter reports each segment when it ends, on its own schedule, so silence is the only signal.
 * A segment arriving after that starts a new revision of the same trace.
 */
import { performance } from 'node:perf_hooks';

interface TraceState {
  lastArrival: number;
  revision: number;
  pending: boolean;
}

export class FinishedTraceWatcher {
  private readonly traces = new Map<string, TraceState>();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly quietMs: number,
    /** Traces remembered (to number their revisions); the oldest are forgotten beyond it. */
    private readonly maxTraces: number,
    private readonly onFinished: (traceId: string, revision: number) => void,
  ) {}

  arrived(traceId: string): void {
    let state = this.traces.get(traceId);
    if (state === undefined) {
      state = { lastArrival: 0, revision: -1, pending: false };
      this.traces.set(traceId, state);
      if (this.traces.size > this.maxTraces) this.forgetOldest();
    }
    state.lastArrival = performance.now();
    if (!state.pending) {
      state.pending = true;
      state.revision++;
      this.pendingCount++;
    }
    this.timer ??= setInterval(() => this.sweep(), Math.max(20, Math.floor(this.quietMs / 4))).unref();
  }

  private forgetOldest(): void {
    const [oldestId, oldest] = this.traces.entries().next().value as [string, TraceState];
    if (oldest.pending) this.pendingCount--;
    this.traces.delete(oldestId);
  }

  private sweep(): void {
    const now = performance.now();
    for (const [traceId, state] of this.traces) {
      if (!state.pending || now - state.lastArrival < this.quietMs) continue;
      state.pending = false;
      this.pendingCount--;
      this.onFinished(traceId, state.revision);
    }
    if (this.pendingCount === 0) this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    this.traces.clear();
    this.pendingCount = 0;
    this.stop();
  }
}
