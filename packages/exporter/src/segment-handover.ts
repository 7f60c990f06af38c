/**
 * What SkyWalkingSpanProcessor tells the exporter about each segment it hands to the batch
 * processor: how many of its spans follow (so that a segment split over two export batches is
 * joined) and whether spans were left out (isSizeLimited). A Map, not a WeakMap: entries live
 * from hand-over to export, and V8 pays for every WeakMap entry at each garbage collection.
 */
import type { Segment } from '@otel-skywalking/core';

export interface SegmentHandover {
  /** Spans of the segment handed to the batch processor, contiguously. */
  spanCount: number;
  /** Some spans of the segment were not handed over (limit, eviction, unfinished at shutdown). */
  sizeLimited: boolean;
}

export class SegmentHandovers {
  private readonly entries = new Map<Segment, SegmentHandover>();

  /** `max` bounds the entries whose spans never reached the exporter (never expected). */
  constructor(private readonly max: number) {}

  record(segment: Segment, handover: SegmentHandover): void {
    if (this.entries.size >= this.max) {
      // Map order is insertion order: the oldest entry is the one whose spans are long gone.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(segment, handover);
  }

  get(segment: Segment): SegmentHandover | undefined {
    return this.entries.get(segment);
  }

  /** Forgets a segment once it left the exporter. */
  delete(segment: Segment): void {
    this.entries.delete(segment);
  }

  get size(): number {
    return this.entries.size;
  }
}
