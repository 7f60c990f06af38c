/**
 * One TraceSegmentReportService call carrying one batch of encoded segments, as one
 * SegmentCollection (collectInSync) or as one message per segment (collect): wait (bounded) for a
 * READY channel, write while HTTP/2 takes the data, half-close, read the Commands reply.
 * A stream whose buffer does not drain in time is cancelled (the OAP stopped reading) and
 * the export deadline cancels the call for real. The outcome is reported exactly once.
 */
import * as grpc from '@grpc/grpc-js';
import type { CollectorClient, CollectorConnection } from './collector-connection';
import type { DropReason, ReportMethod } from './types';

export interface StreamOutcome {
  ok: boolean;
  /** Why the batch was not delivered (when !ok). */
  reason?: DropReason;
  error?: Error;
}

export interface CollectStreamLimits {
  connectTimeoutMillis: number;
  maxStreamBufferBytes: number;
  drainTimeoutMillis: number;
}

export class CollectStream {
  private settled = false;
  private call: grpc.ClientWritableStream<Buffer> | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private next = 0;
  private unflushed = 0;
  private paused = false;

  constructor(
    private readonly messages: readonly Buffer[],
    private readonly method: ReportMethod,
    private readonly deadline: number,
    private readonly connection: CollectorConnection,
    private readonly limits: CollectStreamLimits,
    private readonly onOutcome: (outcome: StreamOutcome) => void,
  ) {}

  start(): void {
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) {
      this.settle({ ok: false, reason: 'timeout', error: new Error('export deadline passed before the stream opened') });
      return;
    }
    this.deadlineTimer = setTimeout(() => this.expire(), remaining);
    this.deadlineTimer.unref();
    this.connect(this.connection.addressCount);
  }

  /** Waits for a READY channel; an address that cannot give one hands the call to the next. */
  private connect(addressesLeft: number): void {
    const remaining = this.deadline - Date.now();
    this.connection.whenReady(Math.min(this.limits.connectTimeoutMillis, Math.max(1, remaining)), (client, failure) => {
      if (this.settled) return;
      if (client !== undefined) {
        this.open(client);
        return;
      }
      if (addressesLeft > 1 && Date.now() < this.deadline) {
        this.connection.failover();
        this.connect(addressesLeft - 1);
        return;
      }
      const error = failure ?? new Error(`no connection to the OAP at ${this.connection.address}`);
      this.settle({ ok: false, reason: 'unavailable', error });
    });
  }

  /** Ends the call now (shutdown); the outcome is `reason`. */
  abort(reason: DropReason, message: string): void {
    this.settle({ ok: false, reason, error: new Error(message) });
  }

  private open(client: CollectorClient): void {
    try {
      const open = this.method === 'collect' ? client.collect : client.collectInSync;
      this.call = open.call(client, this.connection.metadata(), { deadline: this.deadline }, (error) => this.onReply(error));
    } catch (err) {
      this.settle({ ok: false, reason: 'unavailable', error: err as Error });
      return;
    }
    // Errors arrive through the reply callback; a listener keeps a stray 'error' from being fatal.
    this.call.on('error', ignore);
    this.pump();
  }

  /**
   * Writes until maxStreamBufferBytes are waiting for HTTP/2; a loop, never recursion. The bound
   * is in bytes, not in the stream's 16-message high-water mark: waiting for a drain every 16
   * messages would cost an event-loop turn each.
   */
  private pump(): void {
    const call = this.call;
    if (call === undefined) return;
    while (!this.settled && this.next < this.messages.length) {
      if (this.unflushed >= this.limits.maxStreamBufferBytes) {
        this.pause();
        return;
      }
      const bytes = this.messages[this.next++];
      const size = bytes.length;
      this.unflushed += size;
      call.write(bytes, () => this.flushed(size));
    }
    if (this.settled) return;
    call.end();
    // Everything is written; it must still be taken by HTTP/2 in time (one large collectInSync
    // message never fills the byte bound, so this is where an OAP that stopped reading shows).
    if (this.unflushed > 0) this.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.drainTimer = setTimeout(() => this.stall(), this.limits.drainTimeoutMillis);
    this.drainTimer.unref();
  }

  private flushed(size: number): void {
    this.unflushed -= size;
    if (!this.paused) return;
    if (this.next < this.messages.length ? this.unflushed < this.limits.maxStreamBufferBytes / 2 : this.unflushed === 0) {
      this.resume();
    }
  }

  private resume(): void {
    if (!this.paused || this.settled) return;
    this.paused = false;
    clearTimeout(this.drainTimer);
    if (this.next < this.messages.length) this.pump();
  }

  private stall(): void {
    this.settle({
      ok: false,
      reason: 'stalled',
      error: new Error(`the OAP did not read the stream for ${this.limits.drainTimeoutMillis} ms`),
    });
  }

  private expire(): void {
    this.settle({ ok: false, reason: 'timeout', error: new Error('export deadline exceeded') });
  }

  private onReply(error: grpc.ServiceError | null): void {
    if (this.settled) return;
    if (error === null) {
      this.settle({ ok: true });
      return;
    }
    let reason: DropReason = 'rejected';
    if (error.code === grpc.status.DEADLINE_EXCEEDED) reason = 'timeout';
    else if (error.code === grpc.status.UNAVAILABLE) reason = 'unavailable';
    this.settle({ ok: false, reason, error });
  }

  private settle(outcome: StreamOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.drainTimer);
    // A failed call is cancelled so that grpc-js frees its buffers now, not at the deadline.
    if (!outcome.ok && this.call !== undefined) {
      try {
        this.call.cancel();
      } catch {
        // already ended
      }
    }
    this.onOutcome(outcome);
  }
}

function ignore(): void {}
