import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  decodeCorrelation,
  decodeSw8,
  decodeSw8Extension,
  encodeCorrelation,
  encodeSw8,
  encodeSw8Extension,
  COMPONENT_NAMES,
  ComponentId,
  headerText,
  setSw8Extension,
  transmissionLatency,
  MAX_CONTEXT_HEADER_BYTES,
  MAX_CORRELATION_KEYS,
  type Sw8Header,
} from '../src';

const example: Sw8Header = {
  sampled: true,
  traceId: '5e1b8c0f2a3d4e6f8a9b0c1d2e3f4a5b',
  parentSegmentId: '7c2d9e4f1a0b4c3d9e8f7a6b5c4d3e2f',
  parentSpanId: 3,
  parentService: 'checkout',
  parentServiceInstance: 'checkout-1',
  parentEndpoint: 'GET:/orders',
  targetAddress: '10.0.0.5:8080',
};
// The worked example of the protocol reference, §2.1.
const exampleHeader =
  '1-NWUxYjhjMGYyYTNkNGU2ZjhhOWIwYzFkMmUzZjRhNWI=-N2MyZDllNGYxYTBiNGMzZDllOGY3YTZiNWM0ZDNlMmY=-3-Y2hlY2tvdXQ=-Y2hlY2tvdXQtMQ==-R0VUOi9vcmRlcnM=-MTAuMC4wLjU6ODA4MA==';

describe('sw8 codec', () => {
  it('encodes the protocol reference example byte for byte', () => {
    assert.equal(encodeSw8(example), exampleHeader);
  });

  it('decodes it back to every field', () => {
    assert.deepEqual(decodeSw8(exampleHeader), example);
  });

  it('keeps non-ASCII names and Java-style ids through a round trip', () => {
    const header = { ...example, sampled: false, traceId: 'a1b2c3.45.16563474296430001', parentService: 'zahlungsdienst-ü' };
    assert.deepEqual(decodeSw8(encodeSw8(header)), header);
  });

  it('accepts an empty endpoint and address (agents that lack them)', () => {
    const header = { ...example, parentEndpoint: '', targetAddress: '' };
    assert.deepEqual(decodeSw8(encodeSw8(header)), header);
  });

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['seven fields (partial header)', exampleHeader.split('-').slice(0, 7).join('-')],
    ['nine fields', exampleHeader + '-eA=='],
    ['sample 2', '2' + exampleHeader.slice(1)],
    ['negative span id', exampleHeader.replace('-3-', '--3-')],
    ['span id over int32', exampleHeader.replace('-3-', '-2147483648-')],
    ['span id not a number', exampleHeader.replace('-3-', '-x-')],
    ['bad base64 in trace id', exampleHeader.replace('NWUx', 'N*Ux')],
    ['empty service', exampleHeader.replace('Y2hlY2tvdXQ=-', '-')],
    ['over 2 KB', exampleHeader + 'A'.repeat(2048)],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}`, () => assert.equal(decodeSw8(value), undefined));
  }
});

describe('sw8-correlation codec', () => {
  it('round-trips up to three keys', () => {
    const entries: Array<[string, string]> = [
      ['tenant', 'acme'],
      ['region', 'eu'],
      ['flag', 'on'],
    ];
    const { value, dropped } = encodeCorrelation(entries);
    assert.equal(dropped, 0);
    assert.equal(value.split(',')[0], 'dGVuYW50:YWNtZQ==');
    assert.deepEqual(decodeCorrelation(value), { entries, dropped: 0 });
  });

  it('drops and counts a fourth key and values over 128 chars', () => {
    const { value, dropped } = encodeCorrelation([
      ['a', '1'],
      ['long', 'x'.repeat(129)],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
    ]);
    assert.equal(dropped, 2);
    assert.equal(decodeCorrelation(value).entries.length, MAX_CORRELATION_KEYS);
  });

  it('skips malformed pairs on decode and keeps the good ones', () => {
    const good = encodeCorrelation([['k', 'v']]).value;
    const result = decodeCorrelation(`garbage,${good},a:b:c,*:*`);
    assert.deepEqual(result.entries, [['k', 'v']]);
    assert.equal(result.dropped, 3);
  });
});

describe('sw8-x codec', () => {
  it('reads the Java form with no timestamp', () => {
    assert.deepEqual(decodeSw8Extension('0- '), { skipAnalysis: false });
    assert.equal(encodeSw8Extension({ skipAnalysis: false }), '0- ');
  });
  it('reads skip-analysis and a send timestamp', () => {
    assert.deepEqual(decodeSw8Extension('1-1716200000000'), { skipAnalysis: true, sendTimestamp: 1716200000000 });
    assert.equal(encodeSw8Extension({ skipAnalysis: true, sendTimestamp: 1716200000000 }), '1-1716200000000');
  });
  it('ignores fields it does not know and a bad timestamp', () => {
    assert.deepEqual(decodeSw8Extension('0-12-future'), { skipAnalysis: false, sendTimestamp: 12 });
    assert.deepEqual(decodeSw8Extension('1-abc'), { skipAnalysis: true });
  });
  it('rejects an unknown tracing mode', () => {
    assert.equal(decodeSw8Extension('7-1'), undefined);
  });
  it('reads every form the way a plain split-and-trim parser does', () => {
    // The reference: fields split at '-', trimmed; mode '', 0 or 1; a timestamp of 1-16 digits.
    const reference = (value: string): unknown => {
      if (value.length === 0 || value.length > 128) return undefined;
      const [mode, stamp = ''] = value.split('-').map((part) => part.trim());
      if (mode !== '' && mode !== '0' && mode !== '1') return undefined;
      const ms = /^\d{1,16}$/.test(stamp) ? Number(stamp) : NaN;
      return Number.isSafeInteger(ms) && ms > 0 ? { skipAnalysis: mode === '1', sendTimestamp: ms } : { skipAnalysis: mode === '1' };
    };
    const modes = ['', '0', '1', ' 1', '2', 'x'];
    const stamps = ['', ' ', '0', '7', '1716200000000', ' 1716200000000 ', '999999999999999', '9999999999999999', '12a', '12:5', '/3', '3/', '-', '1e3'];
    const tails = ['', '-', '-future', '-1-2'];
    let checked = 0;
    for (const mode of modes) {
      for (const stamp of stamps) {
        for (const tail of tails) {
          for (const value of [`${mode}-${stamp}${tail}`, `${mode}${stamp}${tail}`]) {
            assert.deepEqual(decodeSw8Extension(value), reference(value), JSON.stringify(value));
            checked++;
          }
        }
      }
    }
    assert.equal(checked, 672);
  });
});

describe('headerText', () => {
  it('reads strings as they are and Buffers up to MAX_CONTEXT_HEADER_BYTES, nothing else', () => {
    assert.equal(headerText('1-abc'), '1-abc');
    assert.equal(headerText(Buffer.from('1-abc')), '1-abc');
    assert.equal(headerText(Buffer.alloc(MAX_CONTEXT_HEADER_BYTES, 0x41)), 'A'.repeat(MAX_CONTEXT_HEADER_BYTES));
    assert.equal(headerText(Buffer.alloc(MAX_CONTEXT_HEADER_BYTES + 1, 0x41)), undefined);
    assert.equal(headerText(42), undefined);
    assert.equal(headerText(undefined), undefined);
  });
});

describe('ComponentId and COMPONENT_NAMES', () => {
  it('name every id, from the one table', () => {
    assert.equal(ComponentId.HTTP_SERVER, 49);
    assert.equal(COMPONENT_NAMES[ComponentId.HTTP_SERVER], 'http');
    assert.deepEqual(Object.keys(COMPONENT_NAMES).map(Number).sort((a, b) => a - b), Object.values(ComponentId).sort((a, b) => a - b));
  });
});

describe('transmissionLatency', () => {
  it('is the wall-clock time from the sw8-x send timestamp to the start, never negative', () => {
    const sent = setSw8Extension(ROOT_CONTEXT, { skipAnalysis: false, sendTimestamp: 1_700_000_000_000 });
    assert.equal(transmissionLatency(sent, 1_700_000_000_050), 50);
    assert.equal(transmissionLatency(sent, 1_699_999_999_000), 0, 'clock skew between hosts gives 0, not a negative latency');
    assert.ok(transmissionLatency(sent)! > 0, 'startedAt defaults to Date.now()');
    assert.equal(transmissionLatency(setSw8Extension(ROOT_CONTEXT, { skipAnalysis: false }), 1), undefined);
    assert.equal(transmissionLatency(ROOT_CONTEXT, 1), undefined);
  });
});
