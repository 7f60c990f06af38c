/** Logs a repeated failure through diag at most once per interval, with how many were left out. */
import { diag } from '@opentelemetry/api';

export class ThrottledDiag {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly message: string,
    private readonly intervalMs = 30_000,
  ) {}

  error(err: unknown): void {
    const now = Date.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more since the last report)` : '';
    this.lastAt = now;
    this.suppressed = 0;
    diag.error(`otel-skywalking collector: ${this.message}${more}`, err);
  }
}
