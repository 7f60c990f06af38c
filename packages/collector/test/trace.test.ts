import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanType } from '@otel-skywalking/core/protocol';
import { buildTrace, formatTrace } from '../src';
import { ref, segment, span, T0, twoServiceTrace } from './helpers';

describe('buildTrace', () => {
  it('orders children by start time and keeps every span once', () => {
    const s = segment({
      spans: [span({ spanId: 0 }), span({ spanId: 2, startTime: T0 + 1 }), span({ spanId: 1, startTime: T0 + 5 }), span({ spanId: 3, parentSpanId: 1, startTime: T0 + 6 })],
    });
    const trace = buildTrace('t', [s]);
    assert.deepEqual(trace.roots[0].children.map((c) => c.span.spanId), [2, 1]);
    assert.equal(trace.roots[0].children[1].children[0].span.spanId, 3);
    assert.equal(trace.spanCount, 4);
  });

  it('uses the last ref for the parent key, as the OAP trace query does', () => {
    const [a] = twoServiceTrace();
    const batch = segment({
      traceSegmentId: 'consumer',
      spans: [span({ spanId: 0, spanType: SpanType.Entry, refs: [ref({ parentTraceSegmentId: 'elsewhere', parentSpanId: 4 }), ref({ parentTraceSegmentId: 'seg-a', parentSpanId: 0 })] })],
    });
    const trace = buildTrace('trace-1', [a, batch]);
    assert.equal(trace.roots.length, 1);
    assert.ok(trace.roots[0].children.some((c) => c.key === 'consumerS0'));
  });

  it('reports fragments: roots whose parent segment is missing', () => {
    const [, b] = twoServiceTrace();
    const trace = buildTrace('trace-1', [b]);
    assert.equal(trace.roots.length, 1);
    assert.deepEqual(trace.missingParents, [{ nodeKey: 'seg-bS0', parentKey: 'seg-aS1' }]);
  });

  it('breaks parent cycles instead of losing spans or looping', () => {
    const x = segment({ traceSegmentId: 'x', spans: [span({ spanId: 0, refs: [ref({ parentTraceSegmentId: 'y', parentSpanId: 0 })] })] });
    const y = segment({ traceSegmentId: 'y', spans: [span({ spanId: 0, refs: [ref({ parentTraceSegmentId: 'x', parentSpanId: 0 })] })] });
    const trace = buildTrace('trace-1', [x, y]);
    assert.equal(trace.roots.length, 1);
    assert.equal(trace.roots[0].children.length, 1);
    assert.equal(trace.spanCount, 2);
    assert.match(formatTrace(trace), /svc {2}Local {2}op-0/);
  });

  it('handles a 20000-deep chain without recursion limits', () => {
    const spans = Array.from({ length: 20_000 }, (_, i) => span({ spanId: i, parentSpanId: i - 1, startTime: T0 + i, endTime: T0 + 20_000 }));
    const trace = buildTrace('deep', [segment({ spans })]);
    assert.equal(trace.roots.length, 1);
    const lines = formatTrace(trace).split('\n');
    assert.equal(lines.length, 20_002);
    assert.ok(lines.every((l) => l.length < 250), 'indentation stops growing');
    assert.match(lines[20_000], /\(depth 20000\) svc {2}Local {2}op-19999/);
  });

  it('an empty trace has zero times', () => {
    const trace = buildTrace('none', []);
    assert.deepEqual([trace.startTime, trace.endTime, trace.durationMs, trace.endpoint], [0, 0, 0, '']);
  });
});

describe('formatTrace', () => {
  it('prints service, type, operation, peer, layer/component, duration and error mark as a tree', () => {
    const [a, b] = twoServiceTrace();
    b.spans[1].isError = true;
    const text = formatTrace(buildTrace('trace-1', [a, b]));
    assert.equal(
      text,
      [
        'trace trace-1  2 segments, 4 spans, 50 ms  (a, b)  ✗ ERROR',
        '└─ a  Entry  GET:/a  ← 10.0.0.1:5000  [Http/http]  50 ms',
        '   └─ a  Exit  GET:/b  → b:8080  [Http/HttpClient]  35 ms',
        '      └─ b  Entry  GET:/b  [Http/http]  25 ms',
        '         └─ b  Exit  pg/query  → db:5432  [Database/PostgreSQL]  8 ms  ✗ ERROR',
        '',
      ].join('\n'),
    );
  });

  it('prints tags, logs, fragments and violations on request', () => {
    const [, b] = twoServiceTrace();
    b.spans[0].tags = [{ key: 'http.method', value: 'GET' }];
    b.spans[1].logs = [{ time: T0 + 13, data: [{ key: 'event', value: 'error' }, { key: 'stack', value: 'Error: x\n    at y' }] }];
    const text = formatTrace(buildTrace('trace-1', [b]), {
      tags: true,
      logs: true,
      violations: [{ rule: 'ref.parent-endpoint', severity: 'warning', segmentId: 'seg-b', traceId: 'trace-1', service: 'b', spanId: 0, message: 'm' }],
    });
    assert.equal(
      text,
      [
        'trace trace-1  1 segment, 2 spans, 25 ms  (b)',
        '└─ b  Entry  GET:/b  [Http/http]  25 ms  (parent seg-aS1 not received)',
        '   │    http.method = GET',
        '   └─ b  Exit  pg/query  → db:5432  [Database/PostgreSQL]  8 ms',
        '           log +1 ms: event=error stack=Error: x',
        '1 violation:',
        '  ! ref.parent-endpoint [b seg-b/0]: m',
        '',
      ].join('\n'),
    );
  });
});
