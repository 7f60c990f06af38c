/** `db.query.text`: values never leak when sanitized, the length bound always holds, BSON types read well. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type * as Mongo7 from 'mongodb7';
import { commandQueryText, cut } from '../src/query-text';

const bson = require('mongodb7') as typeof Mongo7;

/** Values are tagged so that any that leaks into a sanitized text is found; keys never contain the tag. */
const TAG = 'VAL';
const key = fc.stringMatching(/^[a-z$][a-z0-9_.]{0,8}$/);
const leaf = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => `${TAG}${s}`),
  fc.integer({ min: 100_000_000, max: 999_999_999 }),
  fc.constantFrom(true, false, null),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const command = fc
  .tuple(fc.constantFrom('find', 'insert', 'update', 'aggregate', 'getMore'), fc.stringMatching(/^[a-z]{1,8}$/), fc.dictionary(key, value, { maxKeys: 5 }))
  .map(([name, collection, rest]) => ({ [name]: collection, ...rest }));

describe('commandQueryText', () => {
  it('never lets a value through when sanitizing', () => {
    fc.assert(
      fc.property(command, (cmd) => {
        const { text } = commandQueryText(cmd, true, 100_000);
        assert.ok(!text.includes(TAG), text);
        assert.ok(!/\d{9}/.test(text), text);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('never exceeds the limit, and says when it cut', () => {
    fc.assert(
      fc.property(command, fc.boolean(), fc.integer({ min: 0, max: 200 }), (cmd, sanitize, max) => {
        const whole = commandQueryText(cmd, sanitize, 1_000_000).text;
        const bounded = commandQueryText(cmd, sanitize, max);
        assert.ok(bounded.text.length <= max, `${bounded.text.length} > ${max}`);
        assert.equal(bounded.truncated, whole.length > max);
        if (!bounded.truncated) assert.equal(bounded.text, whole);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the target collection and field names, masks values, drops session fields', () => {
    const lsid = { id: new bson.UUID() };
    assert.equal(
      commandQueryText(
        { find: 'users', filter: { name: 'ada', age: { $gt: 36 } }, limit: 1, lsid, $clusterTime: { signature: 'x' }, $db: 'app', txnNumber: 3 },
        true,
        1000,
      ).text,
      '{"find":"users","filter":{"name":"?","age":{"$gt":"?"}},"limit":"?"}',
    );
    assert.equal(
      commandQueryText({ getMore: bson.Long.fromNumber(42), collection: 'users', batchSize: 2 }, true, 1000).text,
      '{"getMore":"?","collection":"users","batchSize":"?"}',
    );
    assert.equal(
      commandQueryText({ aggregate: 1, pipeline: [{ $match: { a: 'b' } }], cursor: {} }, true, 1000).text,
      '{"aggregate":"?","pipeline":[{"$match":{"a":"?"}}],"cursor":{}}',
    );
  });

  it('renders BSON values readably in full mode', () => {
    const id = new bson.ObjectId('64b7f0c2a1b2c3d4e5f60718');
    const text = commandQueryText(
      {
        insert: 'events',
        documents: [
          {
            _id: id,
            at: new Date('2024-01-02T03:04:05.000Z'),
            big: bson.Long.fromString('9007199254740993'),
            blob: new bson.Binary(Buffer.alloc(300)),
            raw: Buffer.alloc(5),
            re: /ab+c/i,
            price: bson.Decimal128.fromString('9.99'),
            nothing: undefined,
            many: 10n,
          },
        ],
      },
      false,
      10_000,
    ).text;
    assert.match(text, /"_id":"64b7f0c2a1b2c3d4e5f60718"/);
    assert.match(text, /"at":\{"\$date":"2024-01-02T03:04:05.000Z"\}/);
    assert.match(text, /"big":"Long\(9007199254740993\)"/);
    assert.match(text, /"blob":"Binary\(300 bytes\)"/);
    assert.match(text, /"raw":"<binary 5 bytes>"/);
    assert.match(text, /"re":"\/ab\+c\/i"/);
    assert.match(text, /"price":\{"\$numberDecimal":"9.99"\}/);
    assert.match(text, /"nothing":null,"many":10\}/);
  });

  it('reads document sequences (drivers >= 6 send insert documents that way)', () => {
    class DocumentSequence {
      field = 'documents';
      documents = [{ a: 1 }, { a: 2 }];
      chunks = [Buffer.alloc(3)];
    }
    const sequence = new DocumentSequence();
    assert.equal(
      commandQueryText({ insert: 'c', documents: sequence }, true, 1000).text,
      '{"insert":"c","documents":[{"a":"?"},{"a":"?"}]}',
    );
  });

  it('stays bounded on cyclic, deep and huge input', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const deep = commandQueryText({ find: 'c', filter: cyclic }, false, 100_000);
    assert.ok(deep.text.length < 2_000, `${deep.text.length}`);
    assert.ok(deep.text.includes('"..."'));

    const huge = commandQueryText({ insert: 'c', documents: [{ s: 'x'.repeat(5_000_000) }] }, false, 64);
    assert.equal(huge.text.length, 64);
    assert.ok(huge.truncated);

    const many = commandQueryText({ insert: 'c', documents: Array.from({ length: 100_000 }, (_, i) => ({ i })) }, true, 256);
    assert.equal(many.text.length, 256);
  });

  it('contains a throwing toJSON', () => {
    const hostile = { toJSON: () => { throw new Error('no'); } };
    class Custom {
      toJSON(): never {
        throw new Error('no');
      }
    }
    assert.equal(commandQueryText({ find: 'c', filter: { x: new Custom(), y: hostile } }, false, 1000).text, '{"find":"c","filter":{"x":"?","y":{"toJSON":"?"}}}');
  });
});

describe('cut', () => {
  it('ends with an ellipsis within the limit and never splits a surrogate pair', () => {
    assert.equal(cut('abcdef', 10), 'abcdef');
    assert.equal(cut('abcdefghij', 6), 'abc...');
    assert.equal(cut('ab😀cdef', 6), 'ab...');
    assert.equal(cut('a😀bcdef', 6), 'a😀...');
    assert.equal(cut('abcdef', 2), 'ab');
  });
});
