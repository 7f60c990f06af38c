import type { Span } from '@opentelemetry/api';
import type { AmqpMessage, ConsumeEndOperation } from './types';

/** A consumer span waiting for its message to be settled. */
export interface Delivery {
  readonly span: Span;
  readonly msg: AmqpMessage;
  readonly queue: string;
  readonly moduleVersion: string | undefined;
  /** performance.now() at the span's start, for the timeout. */
  readonly startedAt: number;
  /** noAck delivery waiting for its handler's promise: not ended by ack / nack / channel close. */
  readonly autoAck: boolean;
}

/** Where a delivery goes when it leaves the table. */
export type DeliveryEnd = (
  delivery: Delivery,
  operation: ConsumeEndOperation,
  requeue: boolean | undefined,
  error: Error | undefined,
) => void;

/**
 * The unsettled deliveries of one channel, by delivery tag. Tags grow in arrival order on a
 * channel, so the Map's insertion order is both tag order and age order: `allUpTo` settlements,
 * the timeout sweep and the cap only ever walk from the oldest entry. One unref'd timer per
 * channel, armed while entries exist, not one per message.
 */
export class UnsettledDeliveries {
  private readonly byTag = new Map<number, Delivery>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly end: DeliveryEnd,
    private readonly timeoutMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.byTag.size;
  }

  add(tag: number, delivery: Delivery): void {
    const previous = this.byTag.get(tag);
    if (previous !== undefined) {
      // A tag is never reused on a live channel; if it is, the older span cannot be settled any more.
      this.byTag.delete(tag);
      this.end(previous, 'evicted', undefined, undefined);
    }
    while (this.byTag.size >= this.maxEntries) {
      const oldest = this.byTag.entries().next().value as [number, Delivery];
      this.byTag.delete(oldest[0]);
      this.end(oldest[1], 'evicted', undefined, undefined);
    }
    this.byTag.set(tag, delivery);
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  /** Removes and returns one delivery (a noAck handler's promise settled). */
  take(tag: number, delivery: Delivery): boolean {
    if (this.byTag.get(tag) !== delivery) return false;
    this.byTag.delete(tag);
    return true;
  }

  /** ack / nack / reject of one message, or of every message up to it (`allUpTo`). */
  settle(tag: number, allUpTo: boolean, operation: ConsumeEndOperation, requeue: boolean | undefined): void {
    if (!allUpTo) {
      const delivery = this.byTag.get(tag);
      if (delivery === undefined || delivery.autoAck) return;
      this.byTag.delete(tag);
      this.end(delivery, operation, requeue, undefined);
      return;
    }
    for (const [key, delivery] of this.byTag) {
      if (key > tag) break;
      if (delivery.autoAck) continue;
      this.byTag.delete(key);
      this.end(delivery, operation, requeue, undefined);
    }
  }

  /** ackAll / nackAll, and channel close or error: every delivery that awaits a settlement. */
  settleAll(operation: ConsumeEndOperation, requeue: boolean | undefined, error: Error | undefined): void {
    for (const [key, delivery] of this.byTag) {
      if (delivery.autoAck) continue;
      this.byTag.delete(key);
      this.end(delivery, operation, requeue, error);
    }
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(delayMs)));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const [key, delivery] of this.byTag) {
      const age = now - delivery.startedAt;
      if (age < this.timeoutMs) {
        this.arm(this.timeoutMs - age);
        return;
      }
      this.byTag.delete(key);
      this.end(delivery, 'timeout', undefined, undefined);
    }
  }
}
