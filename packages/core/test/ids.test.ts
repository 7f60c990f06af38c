import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceState } from '@opentelemetry/core';
import {
  TRACESTATE_KEY,
  encodeTraceStateId,
  segmentIdFor,
  swTraceIdOf,
  toOtelSpanId,
  toOtelTraceId,
} from '../src';
import { decodeTraceStateId, isOtelTraceId } from '../src/ids';

describe('trace id mapping', () => {
  it('keeps a 32-hex id as it is', () => {
    assert.equal(toOtelTraceId('5e1b8c0f2a3d4e6f8a9b0c1d2e3f4a5b'), '5e1b8c0f2a3d4e6f8a9b0c1d2e3f4a5b');
  });

  const foreign = [
    '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
    'de5980b8-fce3-4a37-aab9-b4ac3af7eedd',
    '5E1B8C0F2A3D4E6F8A9B0C1D2E3F4A5B',
    'x',
    'trace id with spaces, commas=and ünïcode',
    'z'.repeat(150),
  ];
  it('maps any other SkyWalking id to a valid, stable OpenTelemetry id', () => {
    const mapped = new Set<string>();
    for (const id of foreign) {
      const otel = toOtelTraceId(id);
      assert.ok(isOtelTraceId(otel), `${id} -> ${otel}`);
      assert.equal(toOtelTraceId(id), otel);
      mapped.add(otel);
    }
    assert.equal(mapped.size, foreign.length);
  });

  it('carries the original through tracestate and back', () => {
    for (const id of foreign) {
      const encoded = encodeTraceStateId(id);
      assert.ok(encoded !== undefined);
      const state = new TraceState().set(TRACESTATE_KEY, encoded);
      assert.equal(state.get(TRACESTATE_KEY), encoded, `tracestate refused ${encoded}`);
      assert.equal(decodeTraceStateId(state.get(TRACESTATE_KEY)), id);
      assert.equal(swTraceIdOf(toOtelTraceId(id), state), id);
    }
  });

  it('ignores a tracestate original that does not map to the trace', () => {
    const state = new TraceState().set(TRACESTATE_KEY, 'someone-else');
    const otel = toOtelTraceId('mine');
    assert.equal(swTraceIdOf(otel, state), otel);
  });

  it('derives distinct span ids per segment and span', () => {
    const a = toOtelSpanId('seg', 0);
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.notEqual(a, toOtelSpanId('seg', 1));
    assert.notEqual(a, toOtelSpanId('seh', 0));
    assert.equal(segmentIdFor('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'), '0af7651916cd43ddb7ad6b7169203331');
  });
});
