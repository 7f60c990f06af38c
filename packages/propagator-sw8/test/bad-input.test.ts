import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, propagation, trace, type TextMapGetter } from '@opentelemetry/api';
import fc from 'fast-check';
import { encodeSw8, getCoreStats, getIncomingSw8 } from '@otel-skywalking/core';
import { createSkyWalkingPropagator } from '../src';
import { extract } from './helpers';

const propagator = createSkyWalkingPropagator();
const valid = encodeSw8({
  sampled: true,
  traceId: 'a.1.2',
  parentSegmentId: 'seg',
  parentSpanId: 1,
  parentService: 'svc',
  parentServiceInstance: 'inst',
  parentEndpoint: 'ep',
  targetAddress: 'addr:1',
});
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('bad input never throws and never poisons the context', () => {
  const cases: Array<[string, unknown]> = [
    ['a partial header (Java agent without its OAP)', { sw8: valid.split('-').slice(0, 4).join('-') }],
    ['bad base64', { sw8: valid.replace(/^1-[^-]+/, '1-@@@') }],
    ['a wrong field count', { sw8: valid + '-x-y' }],
    ['a negative span id', { sw8: valid.replace('-1-', '--1-') }],
    ['a huge span id', { sw8: valid.replace('-1-', '-99999999999999999999-') }],
    ['a 10 KB value', { sw8: valid + 'A'.repeat(10_240), 'sw8-x': '1-'.repeat(5000), 'sw8-correlation': 'YQ==:Yg==,'.repeat(1000) }],
    ['an array of values', { sw8: [42, valid] }],
    ['a number', { sw8: 8 }],
    ['an object', { sw8: { toString: () => { throw new Error('boom'); } } }],
  ];
  for (const [name, carrier] of cases) {
    it(`ignores ${name} and keeps the valid traceparent`, () => {
      const ctx = extract(propagator, { ...(carrier as object), traceparent });
      assert.equal(trace.getSpanContext(ctx)!.traceId, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(getIncomingSw8(ctx), undefined);
    });
  }

  it('counts rejected headers', () => {
    const before = getCoreStats().rejectedHeaders.sw8;
    extract(propagator, { sw8: 'garbage' });
    assert.equal(getCoreStats().rejectedHeaders.sw8, before + 1);
  });

  it('survives odd carriers and getters that throw', () => {
    for (const carrier of [null, undefined, 42, 'str', [], new Map()]) {
      assert.equal(extract(propagator, carrier), ROOT_CONTEXT);
    }
    const throwing: TextMapGetter = { get: () => { throw new Error('getter'); }, keys: () => [] };
    assert.doesNotThrow(() => createSkyWalkingPropagator({ traceContext: false, baggage: false }).extract(ROOT_CONTEXT, {}, throwing));
  });

  it('survives 300k generated values (100k per header) with valid-looking structure', () => {
    const b64 = fc.oneof(fc.base64String(), fc.string(), fc.constant(''));
    const sw8 = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.constantFrom('0', '1', '2', '', '-1'), b64, b64, fc.oneof(fc.integer().map(String), fc.string()), b64, b64, b64, b64).map((p) => p.join('-')),
      fc.array(fc.string(), { maxLength: 12 }).map((p) => p.join('-')),
    );
    const correlation = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.tuple(b64, b64).map(([k, v]) => `${k}:${v}`), { maxLength: 8 }).map((p) => p.join(',')),
    );
    const ext = fc.oneof(fc.string({ maxLength: 60 }), fc.tuple(fc.string({ maxLength: 3 }), fc.oneof(fc.nat().map(String), fc.string())).map((p) => p.join('-')));
    let accepted = 0;
    let withBaggage = 0;
    for (const [header, arb] of [['sw8', sw8], ['sw8-correlation', correlation], ['sw8-x', ext]] as const) {
      fc.assert(
        fc.property(arb as fc.Arbitrary<string>, (value) => {
          const ctx = extract(propagator, { [header]: value });
          const incoming = getIncomingSw8(ctx);
          if (incoming !== undefined) {
            accepted++;
            assert.ok(incoming.traceId.length > 0 && incoming.parentSpanId >= 0 && incoming.parentSpanId <= 0x7fffffff);
            assert.equal(trace.getSpanContext(ctx)!.traceId, incoming.otelTraceId);
          }
          const baggage = propagation.getBaggage(ctx);
          if (baggage !== undefined) {
            withBaggage++;
            assert.ok(baggage.getAllEntries().length <= 3);
          }
        }),
        { numRuns: 100_000 },
      );
    }
    assert.ok(accepted > 0, 'the generator also produced valid headers');
    assert.ok(withBaggage > 0, 'and valid sw8-correlation pairs, so the baggage bound was checked');
  });
});
