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

const INITIAL_CAPACITY = 16;
/** An emptied table larger than this gives its arrays back. */
const KEEP_CAPACITY = 1024;
/** Sequence numbers are renumbered from 0 before they leave V8's small-integer range. */
const RENUMBER_AT = 2 ** 30;

/**
 * The unsettled deliveries of one channel, in delivery-tag order. Tags grow in arrival order on a
 * channel, so tag order is also age order: `allUpTo` settlements, the timeout sweep and the cap
 * only ever walk from the oldest entry, and a tag is found by its position (the oldest entry first,
 * as most consumers ack in order, else a binary search). One unref'd timer per channel, armed while
 * entries exist, not one per message.
 *
 * A ring of two arrays rather than a Map keyed by tag: a Map with one insert and one delete per
 * message reallocates its table over and over; with it the consumer of
 * bench/amqplib/amqplib-instructions.bench.ts ran 162.8 k instructions per message, with the ring 138.7 k.
 *
 * Entries are addressed by a sequence number s, kept in slot s & mask; [head, tail) is in use,
 * settled entries leave holes (undefined) there, and head always points at a live entry. Each
 * delivery leaves the ring before `end` is called for it, so an `end` that settles messages of the
 * same channel (a hook acking) finds the ring consistent; the loops below re-read head and tail
 * after every call out (an emptied ring starts again at 0, which ends them; entries only move in
 * `add`, which no `end` reaches).
 */
export class UnsettledDeliveries {
  private slots: (Delivery | undefined)[] = new Array<Delivery | undefined>(INITIAL_CAPACITY).fill(undefined);
  private tags: number[] = new Array<number>(INITIAL_CAPACITY).fill(0);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private tail = 0;
  private live = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly end: DeliveryEnd,
    private readonly timeoutMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.live;
  }

  /** Slots allocated (for tests of the bound: at most twice the live entries, or 16). */
  get capacity(): number {
    return this.slots.length;
  }

  add(tag: number, delivery: Delivery): void {
    // A tag is never reused on a live channel and tags only grow. If they do not, the entries at
    // or above this tag can no longer be told apart from the new one: they leave as evicted.
    if (this.tail > this.head && tag <= this.tags[(this.tail - 1) & this.mask]) this.evictFrom(tag);
    while (this.live >= this.maxEntries) this.evictOldest();
    if (this.tail - this.head === this.slots.length || this.tail >= RENUMBER_AT) this.rebuild();
    const i = this.tail & this.mask;
    this.slots[i] = delivery;
    this.tags[i] = tag;
    this.tail++;
    this.live++;
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  /** Removes one delivery (a noAck handler's promise settled); false if it is not here any more. */
  take(tag: number, delivery: Delivery): boolean {
    const s = this.find(tag);
    if (s < 0 || this.slots[s & this.mask] !== delivery) return false;
    this.remove(s);
    return true;
  }

  /** ack / nack / reject of one message, or of every message up to it (`allUpTo`). */
  settle(tag: number, allUpTo: boolean, operation: ConsumeEndOperation, requeue: boolean | undefined): void {
    if (!allUpTo) {
      const s = this.find(tag);
      if (s < 0) return;
      const delivery = this.slots[s & this.mask];
      if (delivery === undefined || delivery.autoAck) return;
      this.remove(s);
      this.end(delivery, operation, requeue, undefined);
      return;
    }
    for (let s = this.head; ; s++) {
      if (s < this.head) s = this.head;
      if (s >= this.tail || this.tags[s & this.mask] > tag) return;
      const delivery = this.slots[s & this.mask];
      if (delivery === undefined || delivery.autoAck) continue;
      this.remove(s);
      this.end(delivery, operation, requeue, undefined);
    }
  }

  /** ackAll / nackAll, and channel close or error: every delivery that awaits a settlement. */
  settleAll(operation: ConsumeEndOperation, requeue: boolean | undefined, error: Error | undefined): void {
    for (let s = this.head; ; s++) {
      if (s < this.head) s = this.head;
      if (s >= this.tail) return;
      const delivery = this.slots[s & this.mask];
      if (delivery === undefined || delivery.autoAck) continue;
      this.remove(s);
      this.end(delivery, operation, requeue, error);
    }
  }

  /** Sequence number of the live or settled entry with this tag, -1 if there is none. */
  private find(tag: number): number {
    if (this.head === this.tail) return -1;
    if (this.tags[this.head & this.mask] === tag) return this.head;
    const s = this.firstAtOrAbove(tag);
    return s < this.tail && this.tags[s & this.mask] === tag ? s : -1;
  }

  /** The first sequence number in [head, tail) whose tag is not below `tag`; tail if none. */
  private firstAtOrAbove(tag: number): number {
    let low = this.head;
    let high = this.tail;
    while (low < high) {
      const mid = low + ((high - low) >>> 1);
      if (this.tags[mid & this.mask] < tag) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Empties a slot; keeps head on a live entry. */
  private remove(s: number): void {
    this.slots[s & this.mask] = undefined;
    this.live--;
    if (s !== this.head) return;
    if (this.live === 0) {
      this.reset();
      return;
    }
    while (this.slots[this.head & this.mask] === undefined) this.head++;
  }

  private evictOldest(): void {
    const delivery = this.slots[this.head & this.mask]!;
    this.remove(this.head);
    this.end(delivery, 'evicted', undefined, undefined);
  }

  /** Evicts, oldest first, every live entry whose tag is not below `tag`. */
  private evictFrom(tag: number): void {
    const low = this.firstAtOrAbove(tag);
    const evicted: Delivery[] = [];
    for (let s = low; s < this.tail; s++) {
      const delivery = this.slots[s & this.mask];
      if (delivery !== undefined) evicted.push(delivery);
      this.slots[s & this.mask] = undefined;
    }
    this.live -= evicted.length;
    this.tail = low;
    if (this.live === 0) this.reset();
    for (const delivery of evicted) this.end(delivery, 'evicted', undefined, undefined);
  }

  private reset(): void {
    this.head = 0;
    this.tail = 0;
    if (this.slots.length > KEEP_CAPACITY) this.allocate(INITIAL_CAPACITY);
  }

  /** Moves the live entries to sequence numbers 0.., in arrays with room for as many again. */
  private rebuild(): void {
    const { slots, tags, head, tail, mask } = this;
    let capacity = INITIAL_CAPACITY;
    while (capacity < this.live * 2) capacity *= 2;
    this.allocate(capacity);
    let n = 0;
    for (let s = head; s < tail; s++) {
      const delivery = slots[s & mask];
      if (delivery === undefined) continue;
      this.slots[n] = delivery;
      this.tags[n] = tags[s & mask];
      n++;
    }
    this.head = 0;
    this.tail = n;
  }

  private allocate(capacity: number): void {
    this.slots = new Array<Delivery | undefined>(capacity).fill(undefined);
    this.tags = new Array<number>(capacity).fill(0);
    this.mask = capacity - 1;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(delayMs)));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.live > 0) {
      const delivery = this.slots[this.head & this.mask]!;
      const age = now - delivery.startedAt;
      if (age < this.timeoutMs) {
        this.arm(this.timeoutMs - age);
        return;
      }
      this.remove(this.head);
      this.end(delivery, 'timeout', undefined, undefined);
    }
  }
}
