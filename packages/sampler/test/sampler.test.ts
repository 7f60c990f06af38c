import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, DiagLogLevel, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, trace, type DiagLogger } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { encodeSw8, setIncomingSw8, setIncomingSw8Raw } from '@otel-skywalking/core';
import { SAMPLE_WINDOW_MS, SkyWalkingSampler, samplerOptionsFromEnv } from '../src';
import { ManualClock, newTraceId, parentContext, records } from './helpers';

function captureWarnings(run: () => void): string[] {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: () => {},
    warn: (message: string) => warnings.push(message),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, DiagLogLevel.WARN);
  try {
    run();
  } finally {
    diag.disable();
  }
  return warnings;
}

describe('SkyWalkingSampler: parent-based decisions', () => {
  it('records roots by default and follows local parents either way', () => {
    const sampler = new SkyWalkingSampler();
    assert.equal(records(sampler, { attributes: { 'url.path': '/orders' } }), true);
    assert.equal(records(sampler, { context: parentContext(true, false), kind: SpanKind.CLIENT }), true);
    assert.equal(records(sampler, { context: parentContext(false, false), kind: SpanKind.CLIENT }), false);
    const stats = sampler.getStats();
    assert.deepEqual(stats.sampled, { root: 1, parent: 1, remoteParent: 0 });
    assert.equal(stats.notSampled.parent, 1);
    assert.equal(stats.decisions, 3);
  });

  it('follows a sampled remote parent even when the window, the ratio and the ignore rules say no', () => {
    const clock = new ManualClock();
    const sampler = new SkyWalkingSampler({
      samplePer3Secs: 1,
      ratio: 0,
      ignorePaths: '/health',
      ignoreMethods: 'GET',
      clock: clock.read,
    });
    // ratio 0 refuses every root, so the window is only ever used by remote parents
    assert.equal(records(sampler, { attributes: { 'url.path': '/orders' } }), false);
    for (let i = 0; i < 5; i++) {
      assert.equal(
        records(sampler, {
          context: parentContext(true, true),
          attributes: { 'url.path': '/health', 'http.request.method': 'GET' },
        }),
        true,
      );
    }
    const stats = sampler.getStats();
    assert.equal(stats.sampled.remoteParent, 5);
    assert.equal(stats.notSampled.ratio, 1);
    // like the Java agent's forceSampled(), they fill the window (beyond its limit)
    assert.deepEqual(stats.window, { limit: 1, used: 5 });
  });

  it('a sampled remote parent spends the window for roots, as the Java agent counts forced samples', () => {
    const clock = new ManualClock();
    const sampler = new SkyWalkingSampler({ samplePer3Secs: 3, clock: clock.read });
    assert.equal(records(sampler, { context: parentContext(true, true) }), true);
    assert.equal(records(sampler, { context: parentContext(true, true) }), true);
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), false);
    clock.advance(SAMPLE_WINDOW_MS);
    assert.equal(records(sampler), true);
  });

  it("follows an unsampled remote parent by default, and decides locally with remoteParentNotSampled: 'decide'", () => {
    const follow = new SkyWalkingSampler();
    assert.equal(records(follow, { context: parentContext(false, true) }), false);
    assert.equal(follow.getStats().notSampled.remoteParent, 1);

    const clock = new ManualClock();
    const decide = new SkyWalkingSampler({
      remoteParentNotSampled: 'decide',
      samplePer3Secs: 1,
      ignorePaths: '/health',
      clock: clock.read,
    });
    assert.equal(records(decide, { context: parentContext(false, true), attributes: { 'url.path': '/health' } }), false);
    assert.equal(records(decide, { context: parentContext(false, true), attributes: { 'url.path': '/orders' } }), true);
    assert.equal(records(decide, { context: parentContext(false, true), attributes: { 'url.path': '/orders' } }), false);
    // local unsampled parents are still followed: a trace never splits inside one process
    assert.equal(records(decide, { context: parentContext(false, false) }), false);
    const stats = decide.getStats();
    assert.deepEqual(stats.sampled, { root: 1, parent: 0, remoteParent: 0 });
    assert.equal(stats.notSampled.ignoredPath, 1);
    assert.equal(stats.notSampled.limit, 1);
    assert.equal(stats.notSampled.parent, 1);
    assert.equal(stats.notSampled.remoteParent, 0);
  });

  it('follows a trace that sw8 says is sampled even when traceparent for the same trace says not', () => {
    const sampler = new SkyWalkingSampler();
    const traceId = newTraceId();
    const sw8 = {
      sampled: true,
      traceId: 'sw-trace-1',
      otelTraceId: traceId,
      parentSegmentId: 'segment-1',
      parentSpanId: 1,
      parentService: 'java-gateway',
      parentServiceInstance: 'gw-1',
      parentEndpoint: 'GET:/checkout',
      targetAddress: 'orders:8080',
    };
    assert.equal(records(sampler, { context: setIncomingSw8(parentContext(false, true, traceId), sw8) }), true);
    // an sw8 header of another trace does not count, nor one that says not sampled
    assert.equal(records(sampler, { context: setIncomingSw8(parentContext(false, true), sw8) }), false);
    assert.equal(
      records(sampler, { context: setIncomingSw8(parentContext(false, true, traceId), { ...sw8, sampled: false }) }),
      false,
    );
    // as the propagator keeps it when traceparent came too: raw, decoded only on this disagreement
    const raw = encodeSw8(sw8);
    assert.equal(records(sampler, { context: setIncomingSw8Raw(parentContext(false, true, traceId), raw, traceId, true) }), true);
    assert.equal(records(sampler, { context: setIncomingSw8Raw(parentContext(false, true, traceId), raw, traceId, false) }), false);
    assert.equal(sampler.getStats().sampled.remoteParent, 2);
    assert.equal(sampler.getStats().notSampled.remoteParent, 3);
  });

  it('treats an invalid parent span context as no parent', () => {
    const sampler = new SkyWalkingSampler({ ratio: 0 });
    const context = trace.setSpanContext(ROOT_CONTEXT, INVALID_SPAN_CONTEXT);
    assert.equal(records(sampler, { context }), false);
    assert.equal(sampler.getStats().notSampled.ratio, 1);
  });

  it('returns shared result objects, so a decision allocates no result', () => {
    const sampler = new SkyWalkingSampler();
    const a = sampler.shouldSample(ROOT_CONTEXT, newTraceId(), 'x', SpanKind.INTERNAL, {}, []);
    const b = sampler.shouldSample(ROOT_CONTEXT, newTraceId(), 'y', SpanKind.INTERNAL, {}, []);
    assert.equal(a, b);
    assert.equal(Object.isFrozen(a), true);
  });
});

describe('SkyWalkingSampler: ratio', () => {
  it("keeps exactly the traces OpenTelemetry's TraceIdRatioBasedSampler keeps", () => {
    for (const ratio of [0, 0.1, 0.5, 0.9, 1]) {
      const ours = new SkyWalkingSampler({ ratio });
      const otel = new TraceIdRatioBasedSampler(ratio);
      let kept = 0;
      for (let i = 0; i < 2000; i++) {
        const traceId = newTraceId();
        const expected = otel.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
        assert.equal(records(ours, { traceId }), expected, `ratio ${ratio}, trace ${traceId}`);
        if (expected) kept++;
      }
      assert.equal(ours.getStats().sampled.root, kept);
      assert.equal(ours.getStats().notSampled.ratio, 2000 - kept);
    }
  });

  it('ratio 0 records no root, ratio 1 records every root', () => {
    const none = new SkyWalkingSampler({ ratio: 0 });
    const all = new SkyWalkingSampler({ ratio: 1 });
    for (let i = 0; i < 500; i++) {
      assert.equal(records(none), false);
      assert.equal(records(all), true);
    }
  });
});

describe('SkyWalkingSampler: samplePer3Secs', () => {
  it('keeps roots within N per window over 10 s of simulated load, remote-sampled spans always recorded', () => {
    const N = 5;
    const clock = new ManualClock();
    const sampler = new SkyWalkingSampler({ samplePer3Secs: N, clock: clock.read });
    const rootsPerWindow = new Map<number, number>();
    const forcedBeforeSpent = new Map<number, number>();
    let remoteRecorded = 0;
    let remoteTotal = 0;
    // one span every 7 ms for 10 s; every 5th is an entry under a sampled remote parent
    for (let i = 0; clock.now < 10_000; i++, clock.advance(7)) {
      const window = Math.floor(clock.now / SAMPLE_WINDOW_MS);
      if (i % 5 === 0) {
        remoteTotal++;
        if (records(sampler, { context: parentContext(true, true) })) remoteRecorded++;
        if ((rootsPerWindow.get(window) ?? 0) + (forcedBeforeSpent.get(window) ?? 0) < N) {
          forcedBeforeSpent.set(window, (forcedBeforeSpent.get(window) ?? 0) + 1);
        }
      } else if (records(sampler)) {
        rootsPerWindow.set(window, (rootsPerWindow.get(window) ?? 0) + 1);
      }
    }
    assert.equal(remoteRecorded, remoteTotal);
    assert.deepEqual([...rootsPerWindow.keys()], [0, 1, 2, 3]);
    for (const [window, roots] of rootsPerWindow) {
      assert.ok(roots <= N, `window ${window}: ${roots} roots`);
      // saturated: the window's slots go to remote entries first seen, roots take the rest
      assert.equal(roots + (forcedBeforeSpent.get(window) ?? 0), N, `window ${window}`);
    }
    const stats = sampler.getStats();
    assert.equal(stats.sampled.root, [...rootsPerWindow.values()].reduce((a, b) => a + b, 0));
    assert.equal(stats.sampled.remoteParent, remoteTotal);
    assert.ok(stats.notSampled.limit > 1000);
  });

  it('0 or less means no limit, as in the Java agent', () => {
    for (const samplePer3Secs of [0, -1, -20, Infinity]) {
      const sampler = new SkyWalkingSampler({ samplePer3Secs, clock: () => 0 });
      for (let i = 0; i < 100; i++) assert.equal(records(sampler), true);
      assert.deepEqual(sampler.getStats().window, { limit: -1, used: 0 });
    }
  });

  it('starts a fresh window when the clock goes back', () => {
    const clock = new ManualClock();
    clock.now = 10_000;
    const sampler = new SkyWalkingSampler({ samplePer3Secs: 1, clock: clock.read });
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), false);
    clock.now = 5_000;
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), false);
  });

  it('windows are fixed 3 s slots aligned to the sampler start', () => {
    const clock = new ManualClock();
    const sampler = new SkyWalkingSampler({ samplePer3Secs: 2, clock: clock.read });
    clock.advance(2_999);
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), false);
    clock.advance(1); // 3000: next window
    assert.equal(records(sampler), true);
    clock.advance(7_000); // 10000: the window starting at 9000
    assert.equal(records(sampler), true);
    assert.equal(records(sampler), true);
    clock.advance(1_999); // 11999: still that window
    assert.equal(records(sampler), false);
    assert.deepEqual(sampler.getStats().window, { limit: 2, used: 2 });
  });
});

describe('SkyWalkingSampler: options and environment', () => {
  it('warns about invalid options and falls back instead of throwing', () => {
    let sampler: SkyWalkingSampler | undefined;
    const warnings = captureWarnings(() => {
      sampler = new SkyWalkingSampler({
        ratio: 7,
        samplePer3Secs: Number.NaN,
        remoteParentNotSampled: 'maybe' as 'follow',
        ignorePaths: [42 as unknown as string, ' /x ', ''],
      });
    });
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings[0], /ratio/);
    assert.equal(sampler?.toString(), "SkyWalkingSampler{samplePer3Secs=-1, ratio=1, ignore=suffixes paths, remoteParentNotSampled=follow}");
    assert.equal(records(sampler!, { attributes: { 'url.path': '/x' } }), false);
  });

  it('never throws on arbitrary span names and attributes', () => {
    const sampler = new SkyWalkingSampler({ ignorePaths: '/a/**,GET:/b/*', ignoreMethods: 'options' });
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.string(),
        fc.record({ 'url.path': value, 'http.target': value, 'http.request.method': value, 'http.method': value }, { requiredKeys: [] }),
        (name, attributes) => {
          sampler.shouldSample(ROOT_CONTEXT, newTraceId(), name, SpanKind.SERVER, attributes as never, []);
        },
      ),
    );
  });

  it('reads the SkyWalking variables, Java/Go spellings as fallbacks, and an OpenTelemetry ratio', () => {
    assert.deepEqual(
      samplerOptionsFromEnv({
        SW_AGENT_SAMPLE_N_PER_3_SECS: '20',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.5',
        // ambiguous (Java: N per 3 s, Go: a ratio), so never read
        SW_AGENT_SAMPLE: '7',
        SW_TRACE_IGNORE_PATH: '/health,/eureka/**',
        SW_AGENT_TRACE_IGNORE_PATH: '/ignored-because-the-node-name-wins',
        SW_AGENT_IGNORE_SUFFIX: '.txt',
        SW_HTTP_IGNORE_METHOD: 'OPTIONS,HEAD',
      }),
      {
        samplePer3Secs: 20,
        ratio: 0.5,
        ignorePaths: '/health,/eureka/**',
        ignoreSuffixes: '.txt',
        ignoreMethods: 'OPTIONS,HEAD',
      },
    );
    assert.deepEqual(samplerOptionsFromEnv({}), {});
    // the argument of another OpenTelemetry sampler is not a ratio for us
    assert.deepEqual(samplerOptionsFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: 'endpoint=x' }), {});
    assert.deepEqual(samplerOptionsFromEnv({ OTEL_TRACES_SAMPLER: 'TraceIdRatio', OTEL_TRACES_SAMPLER_ARG: '0.25' }), { ratio: 0.25 });
    let options = {};
    const warnings = captureWarnings(() => {
      options = samplerOptionsFromEnv({
        SW_AGENT_SAMPLE_N_PER_3_SECS: 'lots',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '',
      });
    });
    assert.deepEqual(options, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /SW_AGENT_SAMPLE_N_PER_3_SECS="lots" is not a finite number/);
    // "Infinity" is no limit a variable can set; the same bad value is reported once per process.
    const infinite = captureWarnings(() => {
      options = samplerOptionsFromEnv({ SW_AGENT_SAMPLE_N_PER_3_SECS: 'Infinity' });
      samplerOptionsFromEnv({ SW_AGENT_SAMPLE_N_PER_3_SECS: 'Infinity' });
    });
    assert.deepEqual(options, {});
    assert.deepEqual(infinite, ['otel-skywalking: SW_AGENT_SAMPLE_N_PER_3_SECS="Infinity" is not a finite number; it is ignored']);
  });

  it('fromEnv: code options win over the environment; an empty SW_IGNORE_SUFFIX turns suffixes off', () => {
    const env = {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      SW_IGNORE_SUFFIX: '',
      SW_HTTP_IGNORE_METHOD: 'OPTIONS',
    };
    const fromEnv = SkyWalkingSampler.fromEnv({}, env);
    assert.equal(records(fromEnv), false);
    const overridden = SkyWalkingSampler.fromEnv({ ratio: 1, ignoreMethods: undefined }, env);
    assert.equal(records(overridden, { attributes: { 'url.path': '/app.js' } }), true);
    assert.equal(records(overridden, { attributes: { 'url.path': '/x', 'http.request.method': 'OPTIONS' } }), false);
    assert.match(overridden.toString(), /ratio=1, ignore=methods=OPTIONS,/);
  });
});
