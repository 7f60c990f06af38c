/**
 * The protobuf wire primitives every message module here writes with (serialize step): varints,
 * int32/int64/bool/string fields, and length-delimited fields whose length is back-patched, into
 * one reused scratch buffer. Defaults (0, '', false) are omitted as proto3 does. Field numbers of
 * the SkyWalking messages are below 16, so every key is one byte.
 */

/** Protobuf wire types used by the SkyWalking messages. */
export const enum WireType {
  VARINT = 0,
  LENGTH_DELIMITED = 2,
}

/** Bytes `value` (non-negative, below 2^35) takes as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (non-negative) as a varint at `pos` in `buf`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** A length-delimited field's key byte (field numbers < 16). */
export function lengthDelimitedKey(field: number): number {
  return (field << 3) | WireType.LENGTH_DELIMITED;
}

const INITIAL_SCRATCH_BYTES = 64 * 1024;
// Strings shorter than this are copied by a JS loop (faster than a native call for short ASCII).
const SHORT_STRING = 16;

/**
 * Copies `text` into `buf` from `pos`, one byte per character, while it is ASCII: the position after
 * it, or -1 at the first other character (the bytes written so far are then to be overwritten). The
 * caller has ensured room for `text.length` bytes.
 */
export function copyAscii(buf: Uint8Array, pos: number, text: string): number {
  let p = pos;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    buf[p++] = c;
  }
  return p;
}

/** One message at a time, written into a scratch buffer that is reused across messages. */
export class WireWriter {
  buf = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  pos = 0;

  /** Starts a new message at the beginning of the scratch buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** The message written since reset(), copied into a Buffer of its own. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    // Give a grown scratch buffer back after an outsized message, so one huge segment is not kept.
    if (this.buf.length > 8 * INITIAL_SCRATCH_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
    return out;
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Bytes already encoded (a kept field or pair). */
  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  key(field: number, wire: WireType): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  varint(value: number): void {
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  /** int32: negative values are sign-extended to ten bytes, as protobuf requires. */
  int32(field: number, value: number): void {
    if (value === 0) return;
    this.ensure(11);
    this.key(field, WireType.VARINT);
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
  int64(field: number, value: number): void {
    if (value === 0) return;
    this.ensure(11);
    this.key(field, WireType.VARINT);
    this.varint(value < 0 ? 0 : value);
  }

  bool(field: number, value: boolean): void {
    this.ensure(2);
    this.key(field, WireType.VARINT);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  str(field: number, value: string): void {
    const length = value.length;
    if (length === 0) return;
    // UTF-8 takes at least one byte per UTF-16 unit and at most three.
    this.ensure(1 + 5 + length * 3);
    this.key(field, WireType.LENGTH_DELIMITED);
    const buf = this.buf;
    if (length < SHORT_STRING) {
      const end = copyAscii(buf, this.pos + 1, value);
      if (end >= 0) {
        buf[this.pos] = length;
        this.pos = end;
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

  /** Starts a length-delimited field with `reserve` bytes kept for its length; end(mark) closes it. */
  begin(field: number, reserve: number): number {
    this.ensure(1 + reserve);
    this.key(field, WireType.LENGTH_DELIMITED);
    const mark = this.pos;
    this.pos += reserve;
    return mark;
  }

  /** Writes the length at `mark`, moving the body when the length needs more or fewer bytes. */
  end(mark: number, reserved: number): void {
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

/** Fields kept encoded are at most this long (bytes). */
const MAX_KEPT_FIELD_BYTES = 256;

/**
 * A string field whose value seldom changes (a service name, a peer), kept encoded once the same
 * value came twice in a row: writing it again is one copy, no characters read.
 */
export class KeptStringField {
  private last: string | undefined;
  private keptValue: string | undefined;
  private kept: Uint8Array | undefined;

  constructor(private readonly field: number) {}

  write(w: WireWriter, value: string): void {
    if (value === this.keptValue) {
      w.bytes(this.kept!);
      return;
    }
    const start = w.pos;
    w.str(this.field, value);
    if (value === this.last && w.pos - start <= MAX_KEPT_FIELD_BYTES) {
      this.keptValue = value;
      this.kept = new Uint8Array(w.buf.subarray(start, w.pos)); // a copy: the scratch buffer is rewritten
    }
    // a long value is never kept: not holding it keeps what the field holds small
    this.last = value.length < MAX_KEPT_FIELD_BYTES ? value : undefined;
  }
}
