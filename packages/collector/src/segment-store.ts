/**
 * Received segments in arrival order, indexed by segment id and trace id, bounded by a count and a
 * byte budget: the oldest go first, and every eviction is counted by the caller.
 */
import type { SegmentObject } from '@otel-skywalking/core/protocol';
import type { Violation } from './types';

export interface StoredSegment {
  readonly seq: number;
  readonly segment: SegmentObject;
  /** Encoded size in bytes. */
  readonly bytes: number;
  /** Epoch ms. */
  readonly receivedAt: number;
  /** Violations of this segment on its own (segment-validator.ts). */
  readonly violations: Violation[];
}

export class SegmentStore {
  private readonly entries = new Map<number, StoredSegment>();
  private readonly byId = new Map<string, StoredSegment>();
  private readonly byTrace = new Map<string, StoredSegment[]>();
  private seq = 0;
  private bytes = 0;

  constructor(
    private readonly maxSegments: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  /** True if a segment with this id is held now. */
  has(segmentId: string): boolean {
    return this.byId.has(segmentId);
  }

  /** Stores a segment and returns the entries evicted to make room (oldest first). The newest is always kept. */
  add(segment: SegmentObject, bytes: number, violations: Violation[]): { stored: StoredSegment; evicted: StoredSegment[] } {
    const stored: StoredSegment = { seq: this.seq++, segment, bytes, receivedAt: Date.now(), violations };
    this.entries.set(stored.seq, stored);
    this.byId.set(segment.traceSegmentId, stored);
    const list = this.byTrace.get(segment.traceId);
    if (list === undefined) this.byTrace.set(segment.traceId, [stored]);
    else list.push(stored);
    this.bytes += bytes;
    const evicted: StoredSegment[] = [];
    while (this.entries.size > 1 && (this.entries.size > this.maxSegments || this.bytes > this.maxBytes)) {
      const oldest = this.entries.values().next().value as StoredSegment;
      this.remove(oldest);
      evicted.push(oldest);
    }
    return { stored, evicted };
  }

  private remove(entry: StoredSegment): void {
    this.entries.delete(entry.seq);
    this.bytes -= entry.bytes;
    if (this.byId.get(entry.segment.traceSegmentId) === entry) this.byId.delete(entry.segment.traceSegmentId);
    const list = this.byTrace.get(entry.segment.traceId);
    if (list === undefined) return;
    const index = list.indexOf(entry);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.byTrace.delete(entry.segment.traceId);
  }

  /** The latest segment received with this id. */
  segment(segmentId: string): SegmentObject | undefined {
    return this.byId.get(segmentId)?.segment;
  }

  /** All entries, oldest first. */
  all(): IterableIterator<StoredSegment> {
    return this.entries.values();
  }

  /** Trace ids, in the order their first held segment arrived. */
  traceIds(): IterableIterator<string> {
    return this.byTrace.keys();
  }

  /** Entries of one trace, in arrival order. */
  trace(traceId: string): readonly StoredSegment[] {
    return this.byTrace.get(traceId) ?? [];
  }

  clear(): void {
    this.entries.clear();
    this.byId.clear();
    this.byTrace.clear();
    this.bytes = 0;
  }
}
