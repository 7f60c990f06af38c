/**
 * KeyStringValuePair (common/Common.proto): a span's tag, a log's datum. Written as the converter
 * reads the attributes, without an object per pair.
 */
import { WireType, varintSize, writeVarint, type WireWriter } from './wire';

/** KeyStringValuePair's field numbers. */
export const enum KeyStringValuePairField {
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
      buf[p++] = (KeyStringValuePairField.value << 3) | WireType.LENGTH_DELIMITED;
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

/**
 * A tag key encoded once: KeyStringValuePair's key field (its key byte, length and UTF-8 bytes),
 * written by writeEncodedKeyPair without reading the key's characters again.
 */
export function encodeKeyField(key: string): Uint8Array {
  const bytes = Buffer.from(key, 'utf8');
  const out = new Uint8Array(1 + varintSize(bytes.length) + bytes.length);
  out[0] = (KeyStringValuePairField.key << 3) | WireType.LENGTH_DELIMITED;
  const at = writeVarint(out, 1, bytes.length);
  out.set(bytes, at);
  return out;
}

/** writeKeyStringValuePair with the key already encoded (encodeKeyField); `key` is the same key as text. */
export function writeEncodedKeyPair(w: WireWriter, field: number, keyField: Uint8Array, key: string, value: string): void {
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
    let i = 0;
    for (; i < valueLength; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) break;
      buf[p++] = c;
    }
    if (i === valueLength) {
      w.pos = p;
      return;
    }
    w.pos = start; // not ASCII: the general path below rewrites it
  }
  writeKeyStringValuePair(w, field, key, value);
}
