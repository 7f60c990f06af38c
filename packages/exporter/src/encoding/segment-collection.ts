/**
 * SegmentCollection (language-agent/Tracing.proto): the framing of one collectInSync call, built
 * from segments already encoded as SegmentObject bytes.
 */
import { lengthDelimitedKey, varintSize, writeVarint } from './wire';

/** SegmentCollection's field numbers. */
const enum SegmentCollectionField {
  segments = 1,
}

/** One SegmentObject, encoded when its segment ended. */
export interface EncodedSegment {
  bytes: Buffer;
  spanCount: number;
}

const SEGMENTS_KEY = lengthDelimitedKey(SegmentCollectionField.segments);

/**
 * SegmentCollection { repeated SegmentObject segments = 1; } from already encoded segments,
 * written at the start of `into` when it is large enough, else into a new buffer of `room(size)`
 * bytes; `message` is the written part of `buffer`.
 */
export function encodeSegmentCollection(
  segments: readonly EncodedSegment[],
  into: Buffer | undefined,
  room: (size: number) => number,
): { buffer: Buffer; message: Buffer } {
  let size = 0;
  for (const segment of segments) size += 1 + varintSize(segment.bytes.length) + segment.bytes.length;
  const out = into !== undefined && into.length >= size ? into : Buffer.allocUnsafe(room(size));
  let pos = 0;
  for (const segment of segments) {
    out[pos++] = SEGMENTS_KEY;
    pos = writeVarint(out, pos, segment.bytes.length);
    pos += segment.bytes.copy(out, pos);
  }
  return { buffer: out, message: out.length === size ? out : out.subarray(0, size) };
}
