import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RefType, SpanLayer, SpanType } from '@otel-skywalking/core/protocol';
import { checkReferences, segmentEndpoint, SkyWalkingCollector, validateSegment, VALIDATION_RULES, type Violation } from '../src';
import { collect, ref, segment, span, T0, traceClient, twoServiceTrace } from './helpers';

function rules(violations: Violation[]): string[] {
  return violations.map((v) => v.rule).sort();
}

const lookupOf = (...segments: ReturnType<typeof segment>[]) => (id: string) => segments.find((s) => s.traceSegmentId === id);

describe('validateSegment (one segment on its own)', () => {
  it('finds nothing wrong in a correct two-service trace', () => {
    const [a, b] = twoServiceTrace();
    assert.deepEqual(validateSegment(a), []);
    assert.deepEqual(validateSegment(b), []);
    assert.deepEqual(checkReferences([a, b], lookupOf(a, b)), []);
  });

  it('segment.empty and segment.ids', () => {
    const v = validateSegment(segment({ traceId: '', service: '', spans: [] }));
    assert.deepEqual(rules(v), ['segment.empty', 'segment.ids']);
    assert.match(v.find((x) => x.rule === 'segment.ids')!.message, /empty traceId, service/);
  });

  it('segment.id-length and segment.name-length', () => {
    const v = validateSegment(segment({ traceId: 't'.repeat(151), service: 's'.repeat(71), serviceInstance: 'i'.repeat(71), spans: [span({ spanId: 0 })] }));
    assert.deepEqual(rules(v), ['segment.id-length', 'segment.name-length', 'segment.name-length']);
    assert.equal(v.find((x) => x.rule === 'segment.name-length')!.severity, 'warning');
    assert.deepEqual(validateSegment(segment({ traceId: 't'.repeat(150), service: 's'.repeat(70), spans: [span({ spanId: 0 })] })), []);
  });

  it('span.first: no span 0, or span 0 with a parent', () => {
    assert.deepEqual(rules(validateSegment(segment({ spans: [span({ spanId: 1, parentSpanId: -1 })] }))), ['span.first', 'span.parent']);
    const v = validateSegment(segment({ spans: [span({ spanId: 0, parentSpanId: 0 })] }));
    assert.ok(v.some((x) => x.rule === 'span.first' && x.spanId === 0 && /parentSpanId 0, expected -1/.test(x.message)));
  });

  it('span.duplicate-id and span.parent (missing parent, second root)', () => {
    const v = validateSegment(segment({
      spans: [span({ spanId: 0 }), span({ spanId: 1 }), span({ spanId: 1 }), span({ spanId: 2, parentSpanId: 7 }), span({ spanId: 3, parentSpanId: -1 })],
    }));
    assert.deepEqual(rules(v), ['span.duplicate-id', 'span.parent', 'span.parent']);
    assert.ok(v.some((x) => x.spanId === 2 && /parentSpanId 7 is not a span/.test(x.message)));
    assert.ok(v.some((x) => x.spanId === 3 && /only span 0 may be a root/.test(x.message)));
  });

  it('span.type: unknown spanType and spanLayer', () => {
    const v = validateSegment(segment({ spans: [span({ spanId: 0, spanType: 7 as SpanType, spanLayer: 42 as SpanLayer })] }));
    assert.deepEqual(rules(v), ['span.type', 'span.type']);
  });

  it('span.exit-peer: an exit span without a peer', () => {
    const v = validateSegment(segment({ spans: [span({ spanId: 0 }), span({ spanId: 1, spanType: SpanType.Exit, operationName: 'GET:/x' })] }));
    assert.deepEqual(v.map((x) => [x.rule, x.spanId]), [['span.exit-peer', 1]]);
  });

  it('span.operation-name and span.endpoint-length', () => {
    const v = validateSegment(segment({ spans: [span({ spanId: 0, spanType: SpanType.Entry, operationName: 'x'.repeat(151) }), span({ spanId: 1, operationName: '' })] }));
    assert.deepEqual(rules(v), ['span.endpoint-length', 'span.operation-name']);
  });

  it('span.time-unit: seconds, microseconds and nanoseconds are not milliseconds', () => {
    for (const start of [T0 / 1000, T0 * 1000, T0 * 1_000_000]) {
      const v = validateSegment(segment({ spans: [span({ spanId: 0, startTime: start, endTime: start })] }));
      assert.deepEqual(rules(v), ['span.time-unit'], String(start));
    }
  });

  it('span.time-order: end before start, child before parent', () => {
    const v = validateSegment(segment({
      spans: [span({ spanId: 0, startTime: T0 + 10, endTime: T0 + 5 }), span({ spanId: 1, startTime: T0 + 2, endTime: T0 + 3 })],
    }));
    assert.deepEqual(v.map((x) => [x.rule, x.spanId]), [['span.time-order', 0], ['span.time-order', 1]]);
  });

  it('tag.http-status-code and tag.searchable-length', () => {
    const v = validateSegment(segment({
      spans: [span({ spanId: 0, tags: [{ key: 'http.status_code', value: 'OK' }, { key: 'db.instance', value: 'd'.repeat(300) }, { key: 'other', value: 'o'.repeat(300) }] })],
    }));
    assert.deepEqual(rules(v), ['tag.http-status-code', 'tag.searchable-length']);
    assert.deepEqual(validateSegment(segment({ spans: [span({ spanId: 0, tags: [{ key: 'http.status_code', value: '404' }] })] })), []);
  });

  it('ref.fields, ref.trace-id, ref.network-address, ref.parent-endpoint', () => {
    const v = validateSegment(segment({
      spans: [
        span({
          spanId: 0,
          spanType: SpanType.Entry,
          refs: [ref({ traceId: 'other-trace', parentService: '', parentSpanId: -1, networkAddressUsedAtPeer: '', parentEndpoint: '' })],
        }),
      ],
    }));
    assert.deepEqual(rules(v), ['ref.fields', 'ref.fields', 'ref.network-address', 'ref.parent-endpoint', 'ref.trace-id']);
    assert.equal(v.find((x) => x.rule === 'ref.parent-endpoint')!.severity, 'warning');
  });

  it('a CrossThread ref needs no network address', () => {
    const v = validateSegment(segment({
      spans: [span({ spanId: 0, spanType: SpanType.Local, refs: [ref({ refType: RefType.CrossThread, networkAddressUsedAtPeer: '' })] })],
    }));
    assert.deepEqual(v, []);
  });

  it('every violation names a rule of VALIDATION_RULES with its severity', () => {
    const v = validateSegment(segment({ traceId: '', spans: [span({ spanId: 5, parentSpanId: 9, spanType: SpanType.Exit, startTime: 1, endTime: 0 })] }));
    assert.ok(v.length >= 4);
    for (const x of v) {
      const rule = VALIDATION_RULES[x.rule];
      assert.ok(rule, x.rule);
      assert.equal(x.severity, rule.severity);
      assert.equal(x.segmentId, 'seg-1');
    }
  });
});

describe('checkReferences (refs against their parent segments)', () => {
  it('reports nothing while the parent segment is not received', () => {
    const [, b] = twoServiceTrace();
    assert.deepEqual(checkReferences([b], lookupOf(b)), []);
  });

  it('ref.peer-mismatch: the client exit peer differs from networkAddressUsedAtPeer', () => {
    const [a, b] = twoServiceTrace();
    b.spans[0].refs[0].networkAddressUsedAtPeer = '10.1.1.1:8080';
    const v = checkReferences([a, b], lookupOf(a, b));
    assert.deepEqual(v.map((x) => [x.rule, x.segmentId, x.spanId]), [['ref.peer-mismatch', 'seg-b', 0]]);
    assert.match(v[0].message, /client exit peer "b:8080" differs from networkAddressUsedAtPeer "10\.1\.1\.1:8080"/);
  });

  it('ref.parent-span: the span is missing, or a cross-process parent is not an exit span', () => {
    const [a, b] = twoServiceTrace();
    b.spans[0].refs[0].parentSpanId = 9;
    assert.deepEqual(rules(checkReferences([b], lookupOf(a, b))), ['ref.parent-span']);
    b.spans[0].refs[0].parentSpanId = 0;
    const v = checkReferences([b], lookupOf(a, b));
    assert.deepEqual(rules(v), ['ref.parent-span']);
    assert.match(v[0].message, /must be an Exit span, it is Entry/);
  });

  it('ref.parent-service and ref.parent-endpoint against the parent segment', () => {
    const [a, b] = twoServiceTrace();
    b.spans[0].refs[0].parentService = 'not-a';
    b.spans[0].refs[0].parentEndpoint = 'GET:/elsewhere';
    assert.deepEqual(rules(checkReferences([b], lookupOf(a, b))), ['ref.parent-endpoint', 'ref.parent-service']);
  });

  it('ref.trace-id: the parent segment belongs to another trace', () => {
    const [a, b] = twoServiceTrace();
    a.traceId = 'trace-x';
    assert.deepEqual(rules(checkReferences([b], lookupOf(a, b))), ['ref.trace-id']);
  });

  it("segmentEndpoint follows the OAP: span 0's name, then every entry span's", () => {
    assert.equal(segmentEndpoint(segment({ spans: [span({ spanId: 0, operationName: 'job' })] })), 'job');
    assert.equal(
      segmentEndpoint(segment({ spans: [span({ spanId: 0, operationName: 'job' }), span({ spanId: 1, spanType: SpanType.Entry, operationName: 'GET:/x' })] })),
      'GET:/x',
    );
  });
});

describe('violations through the collector', () => {
  let collector: SkyWalkingCollector;
  let address: string;
  before(async () => {
    collector = new SkyWalkingCollector();
    address = (await collector.start()).grpc;
  });
  after(() => collector.close());

  it('records each violation with its segment, span and rule, counts it, and checks refs once both sides arrived', async () => {
    const client = traceClient(address);
    try {
      const [a, b] = twoServiceTrace('bad-trace');
      a.spans[1].peer = '10.0.0.9:80'; // the client says one address, the server recorded another
      b.spans.push(span({ spanId: 2, parentSpanId: 0, spanType: SpanType.Exit, operationName: 'lost', startTime: T0 + 30, endTime: T0 + 31 }));
      await collect(client, [b]);
      assert.deepEqual(collector.violations().map((v) => [v.rule, v.segmentId, v.spanId]), [['span.exit-peer', 'seg-b', 2]]);
      await collect(client, [a, a]);
      const v = collector.violations();
      assert.deepEqual(v.map((x) => [x.rule, x.segmentId, x.spanId]), [
        ['span.exit-peer', 'seg-b', 2],
        ['segment.duplicate-id', 'seg-a', undefined],
        ['ref.peer-mismatch', 'seg-b', 0],
      ]);
      assert.equal(v[0].traceId, 'bad-trace');
      assert.equal(v[0].service, 'b');
      assert.deepEqual(collector.violations({ traceId: 'nope' }), []);
      assert.equal(collector.violations({ traceId: 'bad-trace', severity: 'warning' }).length, 0);
      assert.equal(collector.getStats().violationsByRule['span.exit-peer'], 1);
      assert.equal(collector.getStats().violationsByRule['segment.duplicate-id'], 1);
    } finally {
      client.close();
    }
  });
});
