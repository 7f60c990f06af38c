/**
 * KeyStringValuePair (common/Common.proto): a span's tag, a log's datum. Written as the converter
 * reads the attributes, without an object per pair.
 */
import { WireType, copyAscii, varintSize, writeVarint, type WireWriter } from './wire';

/** KeyStringValuePair's field numbers. */
const enum KeyStringValuePairField {
  key = 1,
  value = 2,
}

/** Writes the pair as field `field` of the message being written. */
export function writeKeyStringValuePair(w: WireWriter, field: number, key: string, value: string): void {
  const keyLength = key.length;
  const valueLength = value.length;
  // Fast path (almost every tag): short ASCII key and value, so every length is one byte and the
  // pair is written in one pass without back-patching.
  if (keyLength > 0 && valueLength > 0 && keyLength + valueLength <= 120) {
    w.ensure(6 + keyLength + valueLength);
    const buf = w.buf;
    const start = w.pos;
    let p = start;
    buf[p++] = (field << 3) | WireType.LENGTH_DELIMITED;
    buf[p++] = 4 + keyLength + valueLength;
    buf[p++] = (KeyStringValuePairField.key << 3) | WireType.LENGTH_DELIMITED;
    buf[p++] = keyLength;
    p = copyAscii(buf, p, key);
    if (p >= 0) {
      buf[p++] = (KeyStringValuePairField.value << 3) | WireType.LENGTH_DELIMITED;
      buf[p++] = valueLength;
      p = copyAscii(buf, p, value);
    }
    if (p >= 0) {
      w.pos = p;
      return;
    }
    w.pos = start; // not ASCII: the general path below rewrites it
  }
  const mark = w.begin(field, 1);
  w.str(KeyStringValuePairField.key, key);
  w.str(KeyStringValuePairField.value, value);
  w.end(mark, 1);
}

/** Pairs kept encoded for a repeated value are at most this long (bytes): the keep stays small. */
const MAX_KEPT_PAIR_BYTES = 64;

/**
 * A tag key encoded once (KeyStringValuePair's key field: key byte, length, UTF-8), and the last
 * pair written under it kept encoded while its value repeats (a method, a status code, a protocol
 * version, an address): writing it again is one copy, no characters read. One pair per key.
 */
export class EncodedKey {
  readonly field: Uint8Array;
  /** The value written last under this key, if short enough to be kept. */
  private last: string | undefined;
  /** A value that came twice in a row, and its pair's bytes as written in field `keptField`. */
  private keptValue: string | undefined;
  private kept: Uint8Array | undefined;
  private keptField = 0;

  constructor(readonly key: string) {
    const bytes = Buffer.from(key, 'utf8');
    const field = new Uint8Array(1 + varintSize(bytes.length) + bytes.length);
    field[0] = (KeyStringValuePairField.key << 3) | WireType.LENGTH_DELIMITED;
    field.set(bytes, writeVarint(field, 1, bytes.length));
    this.field = field;
  }

  /** Writes the pair (this key, `value`) as field `field` of the message being written. */
  write(w: WireWriter, field: number, value: string): void {
    if (value === this.keptValue && field === this.keptField) {
      w.bytes(this.kept!);
      return;
    }
    const start = w.pos;
    writeEncodedPair(w, field, this.field, this.key, value);
    if (value === this.last && w.pos - start <= MAX_KEPT_PAIR_BYTES) {
      this.keptValue = value;
      this.keptField = field;
      this.kept = new Uint8Array(w.buf.subarray(start, w.pos)); // a copy: the scratch buffer is rewritten
    }
    // a long value is never kept: not holding it keeps what every key holds small
    this.last = value.length < MAX_KEPT_PAIR_BYTES ? value : undefined;
  }
}

/** writeKeyStringValuePair with the key field already encoded; `key` is the same key as text. */
function writeEncodedPair(w: WireWriter, field: number, keyField: Uint8Array, key: string, value: string): void {
  const keyBytes = keyField.length;
  const valueLength = value.length;
  // Fast path: an ASCII value short enough that every length is one byte.
  if (valueLength > 0 && keyBytes + valueLength <= 125) {
    w.ensure(4 + keyBytes + valueLength);
    const buf = w.buf;
    const start = w.pos;
    let p = start;
    buf[p++] = (field << 3) | WireType.LENGTH_DELIMITED;
    buf[p++] = keyBytes + 2 + valueLength;
    for (let i = 0; i < keyBytes; i++) buf[p++] = keyField[i];
    buf[p++] = (KeyStringValuePairField.value << 3) | WireType.LENGTH_DELIMITED;
    buf[p++] = valueLength;
    p = copyAscii(buf, p, value);
    if (p >= 0) {
      w.pos = p;
      return;
    }
    w.pos = start; // not ASCII: the general path below rewrites it
  }
  writeKeyStringValuePair(w, field, key, value);
}
