/** SkyWalking's `sample_n_per_3_secs`: at most N new traces per fixed 3-second window. */

export const SAMPLE_WINDOW_MS = 3000;

/**
 * Counts traces per fixed window; the window rolls lazily on the next call, so no timer runs.
 * Windows are aligned to the limiter's creation, as the Java agent's reset task is to its start.
 */
export class WindowLimiter {
  private windowStart: number;
  private used = 0;

  /** @param limit traces per window; 0 or less means no limit. */
  constructor(
    readonly limit: number,
    private readonly clock: () => number,
  ) {
    this.windowStart = clock();
  }

  get unlimited(): boolean {
    return this.limit <= 0;
  }

  /** Takes one slot of the current window; false when the window is spent. */
  tryAcquire(): boolean {
    if (this.limit <= 0) return true;
    this.roll();
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Counts a trace that is recorded regardless (a sampled remote parent), as the Java agent does. */
  acquireForced(): void {
    if (this.limit <= 0) return;
    this.roll();
    this.used++;
  }

  /** Slots used in the current window. */
  usedInWindow(): number {
    if (this.limit <= 0) return 0;
    this.roll();
    return this.used;
  }

  private roll(): void {
    const now = this.clock();
    const elapsed = now - this.windowStart;
    if (elapsed >= SAMPLE_WINDOW_MS) {
      this.windowStart = now - (elapsed % SAMPLE_WINDOW_MS);
      this.used = 0;
    } else if (elapsed < 0) {
      // a clock that went back (or a test that rewound it): start a fresh window there
      this.windowStart = now;
      this.used = 0;
    }
  }
}
