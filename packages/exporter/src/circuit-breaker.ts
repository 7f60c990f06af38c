/**
 * Opens after consecutive failed exports and stays open for a jittered, exponentially growing,
 * capped time, or until the channel turns READY again (channelReady), whichever comes first; then
 * lets one probe export through (half-open). Exports are never retried: while the circuit is open,
 * batches are dropped at once, so a dead OAP costs nothing. The backoff is the wait for an
 * OAP that does not come back; a connected one is sent to at once.
 */
import type { CircuitState } from './types';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  backoffInitialMillis: number;
  backoffMaxMillis: number;
  random?: () => number;
}

export class CircuitBreaker {
  state: CircuitState = 'closed';
  consecutiveFailures = 0;
  opened = 0;
  openUntil = 0;
  private reopenings = 0;
  private probing = false;
  private readonly random: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.random = options.random ?? Math.random;
  }

  /** May an export start now? In half-open state only one probe runs at a time. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now < this.openUntil) return false;
      this.state = 'half-open';
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** The channel is connected again: the next export is the probe, now. */
  channelReady(): void {
    if (this.state === 'open') this.openUntil = 0;
  }

  success(): void {
    this.state = 'closed';
    this.consecutiveFailures = 0;
    this.reopenings = 0;
    this.openUntil = 0;
    this.probing = false;
  }

  failure(now: number): void {
    this.consecutiveFailures++;
    this.probing = false;
    if (this.state === 'half-open' || this.consecutiveFailures >= this.options.failureThreshold) {
      this.open(now);
    }
  }

  /** Backoff: initial × 2^reopenings, capped, with "equal jitter" (between half and all of it). */
  private open(now: number): void {
    const { backoffInitialMillis, backoffMaxMillis } = this.options;
    const exponent = Math.min(this.reopenings, 30);
    const ceiling = Math.min(backoffMaxMillis, backoffInitialMillis * 2 ** exponent);
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.reopenings++;
    this.opened++;
    this.state = 'open';
    this.openUntil = now + delay;
  }
}
