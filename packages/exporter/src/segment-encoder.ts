/**
 * Protobuf encoding of SegmentObject (proto/skywalking/v3/Tracing.proto), written by hand for the
 * export hot path: one pass into a reused scratch buffer, nested lengths back-patched, then one
 * copy per segment. Field numbers below are the .proto's; defaults (0, '', false) are omitted as
 * proto3 does.
 */
import type {
  Log,
  SegmentObject,
  SegmentReference,
  SpanObject,
} from '@otel-skywalking/core/protocol';
import type { TagSink } from './span-conversion';

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;

/** Wire primitives, shared by every message written here and by the SegmentCollection framing. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (non-negative) as a varint at `pos` in `buf`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** A length-delimited field's key byte (field numbers < 16). */
export function lengthDelimitedKey(field: number): number {
  return (field << 3) | WIRE_LENGTH;
}

const INITIAL_SCRATCH_BYTES = 64 * 1024;
// Strings shorter than this are copied by a JS loop (faster than a native call for short ASCII).
const SHORT_STRING = 48;

export class SegmentEncoder implements TagSink {
  private buf = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  private pos = 0;

  /** Encodes one segment into a fresh Buffer (the scratch space is reused). */
  encode(segment: SegmentObject): Buffer {
    this.open(segment.traceId, segment.traceSegmentId);
    const spans = segment.spans;
    for (let i = 0; i < spans.length; i++) this.span(spans[i]);
    return this.close(segment.service, segment.serviceInstance, segment.isSizeLimited);
  }

  /**
   * Segment written piece by piece (segment-conversion's encodeAssembled): open, then span() or
   * openSpan() / tag() ... / closeSpan() per span, then close() for the bytes.
   */
  open(traceId: string, traceSegmentId: string): void {
    this.pos = 0;
    this.str(1, traceId);
    this.str(2, traceSegmentId);
  }

  close(service: string, serviceInstance: string, isSizeLimited: boolean): Buffer {
    this.str(4, service);
    this.str(5, serviceInstance);
    if (isSizeLimited) this.bool(6, true);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    // Give a grown scratch buffer back after an outsized segment, so one huge segment is not kept.
    if (this.buf.length > 8 * INITIAL_SCRATCH_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
    return out;
  }

  span(span: SpanObject): void {
    this.closeSpan(this.openSpan(), span);
  }

  /**
   * Starts a span message; tag() calls until closeSpan() write its tags. Protobuf fields may come
   * in any order, so the tags go first, written as the converter reads the attributes (no object
   * per tag), and the span's other fields follow.
   */
  openSpan(): number {
    return this.begin(3, 2);
  }

  /** A tag (field 12) of the span being written. */
  tag(key: string, value: string): void {
    this.pair(12, key, value);
  }

  /** Writes the span's fields (its tags too, if it has any as objects) and ends it. */
  closeSpan(mark: number, span: SpanObject): void {
    this.int32(1, span.spanId);
    this.int32(2, span.parentSpanId);
    this.int64(3, span.startTime);
    this.int64(4, span.endTime);
    const refs = span.refs;
    for (let i = 0; i < refs.length; i++) this.ref(refs[i]);
    this.str(6, span.operationName);
    this.str(7, span.peer);
    this.int32(8, span.spanType);
    this.int32(9, span.spanLayer);
    this.int32(10, span.componentId);
    if (span.isError) this.bool(11, true);
    const tags = span.tags;
    for (let i = 0; i < tags.length; i++) this.pair(12, tags[i].key, tags[i].value);
    const logs = span.logs;
    for (let i = 0; i < logs.length; i++) this.log(logs[i]);
    if (span.skipAnalysis) this.bool(14, true);
    this.end(mark, 2);
  }

  private ref(ref: SegmentReference): void {
    const mark = this.begin(5, 1);
    this.int32(1, ref.refType);
    this.str(2, ref.traceId);
    this.str(3, ref.parentTraceSegmentId);
    this.int32(4, ref.parentSpanId);
    this.str(5, ref.parentService);
    this.str(6, ref.parentServiceInstance);
    this.str(7, ref.parentEndpoint);
    this.str(8, ref.networkAddressUsedAtPeer);
    this.end(mark, 1);
  }

  private log(log: Log): void {
    const mark = this.begin(13, 2);
    this.int64(1, log.time);
    const data = log.data;
    for (let i = 0; i < data.length; i++) this.pair(2, data[i].key, data[i].value);
    this.end(mark, 2);
  }

  private pair(field: number, key: string, value: string): void {
    const keyLength = key.length;
    const valueLength = value.length;
    // Fast path (almost every tag): short ASCII key and value, so every length is one byte and the
    // pair is written in one pass without back-patching.
    if (keyLength > 0 && valueLength > 0 && keyLength + valueLength <= 120) {
      this.ensure(6 + keyLength + valueLength);
      const buf = this.buf;
      const start = this.pos;
      let p = start;
      buf[p++] = (field << 3) | WIRE_LENGTH;
      buf[p++] = 4 + keyLength + valueLength;
      buf[p++] = (1 << 3) | WIRE_LENGTH;
      buf[p++] = keyLength;
      let ascii = true;
      for (let i = 0; i < keyLength; i++) {
        const c = key.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        buf[p++] = c;
      }
      if (ascii) {
        buf[p++] = (2 << 3) | WIRE_LENGTH;
        buf[p++] = valueLength;
        for (let i = 0; i < valueLength; i++) {
          const c = value.charCodeAt(i);
          if (c > 0x7f) {
            ascii = false;
            break;
          }
          buf[p++] = c;
        }
      }
      if (ascii) {
        this.pos = p;
        return;
      }
      this.pos = start; // not ASCII: the general path below rewrites it
    }
    const mark = this.begin(field, 1);
    this.str(1, key);
    this.str(2, value);
    this.end(mark, 1);
  }

  private ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  private key(field: number, wire: number): void {
    // Field numbers here are < 16, so a key is one byte.
    this.buf[this.pos++] = (field << 3) | wire;
  }

  private varint(value: number): void {
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  /** int32: negative values are sign-extended to ten bytes, as protobuf requires. */
  private int32(field: number, value: number): void {
    if (value === 0) return;
    this.ensure(11);
    this.key(field, WIRE_VARINT);
    if (value > 0) {
      this.varint(value);
      return;
    }
    let lo = value >>> 0;
    const buf = this.buf;
    for (let i = 0; i < 4; i++) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // bits 28..31 of the low word plus the first three bits of the all-ones high word
    buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) buf[this.pos++] = 0xff;
    buf[this.pos++] = 0x01;
  }

  /** Non-negative int64 below 2^53 (epoch milliseconds). */
  private int64(field: number, value: number): void {
    if (value === 0) return;
    this.ensure(11);
    this.key(field, WIRE_VARINT);
    this.varint(value < 0 ? 0 : value);
  }

  private bool(field: number, value: boolean): void {
    this.ensure(2);
    this.key(field, WIRE_VARINT);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  private str(field: number, value: string): void {
    const length = value.length;
    if (length === 0) return;
    // UTF-8 takes at least one byte per UTF-16 unit and at most three.
    this.ensure(1 + 5 + length * 3);
    this.key(field, WIRE_LENGTH);
    const buf = this.buf;
    if (length < SHORT_STRING) {
      const start = this.pos + 1;
      let p = start;
      let ascii = true;
      for (let i = 0; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        buf[p++] = c;
      }
      if (ascii) {
        buf[this.pos] = length;
        this.pos = p;
        return;
      }
    }
    const reserved = varintSize(length);
    const written = buf.write(value, this.pos + reserved, 'utf8');
    const needed = varintSize(written);
    if (needed !== reserved) buf.copyWithin(this.pos + needed, this.pos + reserved, this.pos + reserved + written);
    this.varint(written);
    this.pos += written;
  }

  /** Starts a length-delimited field with `reserve` bytes kept for its length. */
  private begin(field: number, reserve: number): number {
    this.ensure(1 + reserve);
    this.key(field, WIRE_LENGTH);
    const mark = this.pos;
    this.pos += reserve;
    return mark;
  }

  /** Writes the length at `mark`, moving the body when the length needs more or fewer bytes. */
  private end(mark: number, reserved: number): void {
    const bodyStart = mark + reserved;
    const length = this.pos - bodyStart;
    const needed = varintSize(length);
    if (needed !== reserved) {
      if (needed > reserved) this.ensure(needed - reserved);
      this.buf.copyWithin(mark + needed, bodyStart, this.pos);
      this.pos += needed - reserved;
    }
    const end = this.pos;
    this.pos = mark;
    this.varint(length);
    this.pos = end;
  }
}
