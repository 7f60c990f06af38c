import type { DiagLogger } from '@opentelemetry/api';

const DEFAULT_INTERVAL_MS = 30_000;

/**
 * Logs an error through diag at most once per interval per key, saying how many were suppressed,
 * so that a hook failing on every message cannot flood the log.
 */
export class ThrottledErrorLog {
  private readonly lastLogged = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly logger: DiagLogger,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  error(key: string, message: string, err: unknown): void {
    const now = this.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    const skipped = this.suppressed.get(key) ?? 0;
    this.lastLogged.set(key, now);
    this.suppressed.delete(key);
    const suffix = skipped > 0 ? ` (${skipped} more since the last report)` : '';
    this.logger.error(`${message}${suffix}`, err);
  }
}
