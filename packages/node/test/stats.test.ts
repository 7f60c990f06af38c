// getStats(): what was sampled, exported and dropped along the pipeline start() set up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, propagation, trace } from '@opentelemetry/api';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import type { SkyWalkingSpanProcessorStats } from '@otel-skywalking/exporter';
import { getStats, skyWalkingSdkOptions, startTracing, stats } from '../src';

describe('getStats()', () => {
  it('counts sampler decisions, exported spans and drops in one place', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc } = await collector.start();
    const before = getStats();
    assert.equal(before.exporter, undefined, 'nothing started yet: core counters only');
    const started = startTracing({
      serviceName: 'stats-service',
      exporter: { collector: grpc, scheduledDelayMillis: 50 },
      sampler: { ignorePaths: ['/health'] },
      instrumentations: { http: false, undici: false, express: false, amqplib: false, mongodb: false },
      logLevel: 'none',
      env: {},
    });
    try {
      const tracer = trace.getTracer('stats');
      for (let i = 0; i < 3; i++) tracer.startSpan(`job-${i}`).end();
      tracer.startSpan('GET', { attributes: { 'url.path': '/health', 'http.request.method': 'GET' } }).end();
      const rejectedBefore = getStats().core.rejectedHeaders.sw8 ?? 0;
      propagation.extract(ROOT_CONTEXT, { sw8: 'not-an-sw8-header' }); // rejected by the registered sw8 propagator
      await started.provider!.forceFlush();
      await collector.waitFor((c) => c.segments().filter((s) => s.service === 'stats-service').length === 3, 10_000);
      const now = getStats();
      assert.equal(started.getStats().exporter!.spansExported, 3, "start()'s own getStats() reads the same parts");
      assert.deepEqual(stats().sampler, now.sampler, 'stats() is the deprecated alias');
      assert.deepEqual(started.stats().sampler, now.sampler, "and so is start()'s stats()");
      assert.equal(now.sampler!.decisions, 4);
      assert.equal(now.sampler!.notSampled.ignoredPath, 1);
      assert.equal(now.exporter!.spansExported, 3);
      assert.equal(Object.values(now.exporter!.droppedSpans).reduce((a, b) => a + b, 0), 0);
      assert.equal(now.core.rejectedHeaders.sw8, rejectedBefore + 1);
    } finally {
      await started.shutdown();
      await collector.close();
    }
  });
});

describe('getStats() with skyWalkingSdkOptions()', () => {
  it('reads the processor and sampler it returned, typed without a cast', () => {
    const options = skyWalkingSdkOptions({ exporter: { collector: '127.0.0.1:1' }, env: {} });
    const processorStats: SkyWalkingSpanProcessorStats = options.spanProcessors[0].getStats();
    assert.equal(processorStats.spansExported, 0);
    const all = getStats();
    assert.ok(all.exporter !== undefined && all.sampler !== undefined);
    assert.equal(all.exporter.collector, '127.0.0.1:1');
    assert.equal(all.sampler.decisions, options.sampler.getStats().decisions);
    void options.spanProcessors[0].shutdown();
  });
});

describe('start({ env })', () => {
  it('the trace processor reads the same environment as the meters and logs, and reports the TLS it resolved', async () => {
    const started = startTracing({
      instrumentations: { http: false, undici: false, express: false, amqplib: false, mongodb: false },
      logLevel: 'none',
      logs: false,
      env: { SW_AGENT_COLLECTOR_BACKEND_SERVICES: '127.0.0.1:1', SW_AGENT_SECURE: 'yes', SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE: 'false' },
    });
    try {
      const exporter = started.getStats().exporter!;
      assert.equal(exporter.collector, '127.0.0.1:1');
      assert.equal(exporter.tls, true);
    } finally {
      await started.shutdown();
    }
  });

  for (const [value, fields] of [
    ['baggage,sw8', ['baggage', 'sw8', 'sw8-correlation', 'sw8-x']],
    ['tracecontext', ['traceparent', 'tracestate']],
    ['none', []],
  ] as const) {
    it(`OTEL_PROPAGATORS=${value} registers exactly those propagators`, async () => {
      const started = startTracing({
        instrumentations: { http: false, undici: false, express: false, amqplib: false, mongodb: false },
        logLevel: 'none',
        tracesExporter: 'none',
        env: { OTEL_PROPAGATORS: value },
      });
      try {
        assert.deepEqual([...propagation.fields()].sort(), [...fields].sort());
      } finally {
        await started.shutdown();
      }
    });
  }
});
