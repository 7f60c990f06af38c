/**
 * `db.query.text` for a MongoDB command: a JSON-like rendering of the command, bounded in length
 * and depth while it is written (a 10 000-document insert costs no more than the limit).
 */
import type { MongoCommand } from './types';

/** Fields the driver adds for sessions, gossip and the stable API: noise in a statement, and `$clusterTime` carries a signature. */
const DRIVER_FIELDS: ReadonlySet<string> = new Set([
  'lsid',
  '$clusterTime',
  '$db',
  '$readPreference',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'recoveryToken',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** Nesting deeper than this is written as "...": real commands are shallow, cyclic objects are not. */
const MAX_DEPTH = 24;
const MASK = '"?"';
const ELLIPSIS = '...';

export interface QueryText {
  text: string;
  truncated: boolean;
}

/** The text written so far and the length past which writing stops. */
interface Budget {
  text: string;
  readonly limit: number;
}

function isFull(out: Budget): boolean {
  return out.text.length > out.limit;
}

/** A string value, cut first when it alone would overflow what is left of the budget. */
function writeString(out: Budget, value: string): void {
  const room = out.limit - out.text.length + 1;
  out.text += JSON.stringify(value.length > room ? value.slice(0, Math.max(room, 0)) : value);
}

function isDocument(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A value the driver serializes as a BSON scalar (ObjectId, Long, Decimal128, Binary, Timestamp...). */
function bsonType(value: object): string | undefined {
  const type = (value as { _bsontype?: unknown })._bsontype;
  return typeof type === 'string' ? type : undefined;
}

function writeFullLeaf(out: Budget, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      writeString(out, value);
      return;
    case 'number':
      out.text += Number.isFinite(value) ? String(value) : `"${String(value)}"`;
      return;
    case 'bigint':
      out.text += String(value);
      return;
    case 'boolean':
      out.text += value ? 'true' : 'false';
      return;
    case 'undefined':
      out.text += 'null';
      return;
    case 'object':
      break;
    default:
      // functions and symbols are not BSON values: say so without guessing
      out.text += MASK;
      return;
  }
  if (value === null) {
    out.text += 'null';
    return;
  }
  if (value instanceof Date) {
    out.text += Number.isNaN(value.getTime()) ? '"Invalid Date"' : `{"$date":"${value.toISOString()}"}`;
    return;
  }
  if (value instanceof RegExp) {
    out.text += JSON.stringify(String(value));
    return;
  }
  if (ArrayBuffer.isView(value)) {
    out.text += `"<binary ${value.byteLength} bytes>"`;
    return;
  }
  const type = bsonType(value);
  if (type === 'Binary') {
    // its toJSON is the whole payload in base64: only the size says something useful
    const length = (value as { position?: unknown }).position;
    out.text += typeof length === 'number' ? `"Binary(${length} bytes)"` : '"Binary"';
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let json: unknown;
    try {
      json = toJSON.call(value);
    } catch {
      out.text += MASK;
      return;
    }
    if (json !== value) {
      writeValue(out, json, false, depth + 1);
      return;
    }
  }
  if (type !== undefined) {
    out.text += JSON.stringify(`${type}(${String(value)})`);
    return;
  }
  // a class instance that is not a document: its own enumerable fields, like BSON would send
  writeObject(out, value as Record<string, unknown>, false, depth);
}

/** Field names are mostly plain identifiers, which need no escaping. */
const PLAIN_KEY = /^[\w$.-]*$/;

function writeKey(out: Budget, key: string): void {
  out.text += PLAIN_KEY.test(key) ? `"${key}":` : `${JSON.stringify(key)}:`;
}

function writeObject(out: Budget, value: Record<string, unknown>, sanitize: boolean, depth: number): void {
  out.text += '{';
  let first = true;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (!first) out.text += ',';
    first = false;
    writeKey(out, key);
    writeValue(out, value[key], sanitize, depth + 1);
    if (isFull(out)) return;
  }
  out.text += '}';
}

function writeArray(out: Budget, value: readonly unknown[], sanitize: boolean, depth: number): void {
  out.text += '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out.text += ',';
    writeValue(out, value[i], sanitize, depth + 1);
    if (isFull(out)) return;
  }
  out.text += ']';
}

/**
 * The documents of an OP_MSG document sequence: drivers ≥ 6 put `insert.documents` (and other
 * bulk fields) in a `DocumentSequence` object instead of an array.
 */
function sequenceDocuments(value: object): readonly unknown[] | undefined {
  const sequence = value as { field?: unknown; documents?: unknown };
  return typeof sequence.field === 'string' && Array.isArray(sequence.documents) ? sequence.documents : undefined;
}

function writeValue(out: Budget, value: unknown, sanitize: boolean, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.text += `"${ELLIPSIS}"`;
    return;
  }
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      writeArray(out, value, sanitize, depth);
      return;
    }
    if (isDocument(value)) {
      writeObject(out, value as Record<string, unknown>, sanitize, depth);
      return;
    }
    const documents = sequenceDocuments(value);
    if (documents !== undefined) {
      writeArray(out, documents, sanitize, depth);
      return;
    }
  }
  if (sanitize) out.text += MASK;
  else writeFullLeaf(out, value, depth);
}

/**
 * The command as text, without the driver's session fields. `sanitize` replaces every value with
 * '?' except the collection the command targets (`{ find: 'users' }`, getMore's `collection`);
 * field names stay, as they describe the query's shape. Cut to `maxLength` characters ending in '...'.
 */
export function commandQueryText(command: MongoCommand, sanitize: boolean, maxLength: number): QueryText {
  const out: Budget = { text: '{', limit: maxLength };
  let first = true;
  let getMore = false;
  for (const key in command) {
    if (!Object.prototype.hasOwnProperty.call(command, key) || DRIVER_FIELDS.has(key)) continue;
    const value = command[key];
    if (!first) out.text += ',';
    writeKey(out, key);
    // the collection a command targets is a name, not a value: `{ find: 'users' }`, getMore's `collection`
    const target = first || (getMore && key === 'collection');
    if (target && typeof value === 'string') out.text += JSON.stringify(value);
    else writeValue(out, value, sanitize, 1);
    if (first) getMore = key === 'getMore';
    first = false;
    if (isFull(out)) break;
  }
  if (isFull(out)) return { text: cut(out.text, maxLength), truncated: true };
  out.text += '}';
  return isFull(out) ? { text: cut(out.text, maxLength), truncated: true } : { text: out.text, truncated: false };
}

/** `text` cut to `maxLength` characters, the last three being '...'. */
export function cut(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= ELLIPSIS.length) return text.slice(0, Math.max(maxLength, 0));
  let end = maxLength - ELLIPSIS.length;
  // never leave half of a surrogate pair behind
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}
