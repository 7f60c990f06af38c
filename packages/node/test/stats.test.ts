// stats(): what was sampled, exported and dropped along the pipeline start() set up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { startTracing, stats } from '../src';

describe('stats()', () => {
  it('counts sampler decisions, exported spans and drops in one place', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc } = await collector.start();
    const before = stats();
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
      await started.provider!.forceFlush();
      await collector.waitFor((c) => c.segments().filter((s) => s.service === 'stats-service').length === 3, 10_000);
      const now = stats();
      assert.equal(now.sampler!.decisions, 4);
      assert.equal(now.sampler!.notSampled.ignoredPath, 1);
      assert.equal(now.exporter!.spansExported, 3);
      assert.equal(Object.values(now.exporter!.droppedSpans).reduce((a, b) => a + b, 0), 0);
      assert.ok(now.core.rejectedHeaders);
    } finally {
      await started.shutdown();
      await collector.close();
    }
  });
});
