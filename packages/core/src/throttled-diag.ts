/**
 * diag messages at most once per interval per key, with the number of repeats held back. While a
 * backend is down or a user hook throws on every call, this keeps the log to one line per interval
 * and never feeds the pipeline that is failing (diag only).
 */
import { diag, type DiagLogger } from '@opentelemetry/api';

const DEFAULT_INTERVAL_MS = 30_000;
/** Keys are a small fixed set per component; this only guards against a caller that makes them up. */
const MAX_KEYS = 64;

interface KeyState {
  lastAt: number;
  suppressed: number;
}

export type ThrottledLevel = 'error' | 'warn' | 'info' | 'debug';

export class ThrottledDiag {
  private readonly keys = new Map<string, KeyState>();

  /** `logger` defaults to the global diag logger, looked up at each message (so a later setLogger applies). */
  constructor(
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    private readonly logger?: DiagLogger,
  ) {}

  error(key: string, message: string, cause?: unknown): void {
    this.log('error', key, message, cause);
  }

  warn(key: string, message: string, cause?: unknown): void {
    this.log('warn', key, message, cause);
  }

  /** Writes the message unless the same key was written less than an interval ago. Never throws. */
  log(level: ThrottledLevel, key: string, message: string, cause?: unknown): void {
    const now = Date.now();
    let state = this.keys.get(key);
    if (state === undefined) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      state = { lastAt: -Infinity, suppressed: 0 };
      this.keys.set(key, state);
    }
    if (now - state.lastAt < this.intervalMs) {
      state.suppressed++;
      return;
    }
    const repeats = state.suppressed > 0 ? ` (${state.suppressed} more since the last report)` : '';
    state.lastAt = now;
    state.suppressed = 0;
    try {
      // The cause goes along as its own argument, so loggers can show its stack.
      const logger = this.logger ?? diag;
      if (cause === undefined) logger[level](`otel-skywalking: ${message}${repeats}`);
      else logger[level](`otel-skywalking: ${message}${repeats}`, cause);
    } catch {
      // A throwing logger must not break the caller.
    }
  }
}
