/**
 * SkyWalkingLogRecordProcessor end to end, our collector as the OAP: what a log becomes, which span
 * it names, the connection it shares with the span exporter, and the bounds when the OAP is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, diag, DiagLogLevel, trace, TraceFlags, type DiagLogger } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SkyWalkingCollector, type StoredLog } from '@otel-skywalking/collector';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { SkyWalkingLogRecordProcessor } from '../src';
import { countingProxy, refusedAddress, silentServer } from './helpers';

const resource = resourceFromAttributes({ 'service.name': 'logs-service', 'service.instance.id': 'logs-1' });

function setUp(collectorAddress: string, logOptions: ConstructorParameters<typeof SkyWalkingLogRecordProcessor>[0] = {}) {
  const spans = new SkyWalkingSpanProcessor({ collector: collectorAddress, scheduledDelayMillis: 20 });
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [spans] });
  const processor = new SkyWalkingLogRecordProcessor({ collector: collectorAddress, scheduledDelayMillis: 20, ...logOptions }, {});
  const loggerProvider = new LoggerProvider({ resource, processors: [processor] });
  return {
    tracer: tracerProvider.getTracer('test'),
    logger: loggerProvider.getLogger('test'),
    processor,
    spans,
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

describe('SkyWalkingLogRecordProcessor with the collector', () => {
  let collector: SkyWalkingCollector;
  let grpcAddress: string;
  let httpAddress: string;
  before(async () => {
    // The global context manager, so that active spans follow the calls.
    new NodeTracerProvider().register();
    collector = new SkyWalkingCollector({ httpPort: 0 });
    const addresses = await collector.start();
    grpcAddress = addresses.grpc;
    httpAddress = addresses.http!;
  });
  after(() => collector.close());

  it('sends each record as LogData naming the segment and span it was written in', async () => {
    const app = setUp(grpcAddress);
    const { tracer, logger } = app;
    tracer.startActiveSpan('GET:/orders', { kind: 1 }, (entry) => {
      logger.emit({ body: 'request in', severityNumber: SeverityNumber.INFO, severityText: 'info' });
      tracer.startActiveSpan('load', (load) => {
        logger.emit({ body: { order: 42, items: ['a'] }, severityNumber: SeverityNumber.WARN, attributes: { 'order.id': 42, user: 'ann' } });
        load.end();
      });
      entry.end();
    });
    logger.emit({ body: 'outside any trace', severityNumber: SeverityNumber.ERROR });
    // A span that was not sampled: ids, but no segment.
    const unsampled = trace.wrapSpanContext({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.NONE });
    context.with(trace.setSpan(context.active(), unsampled), () => logger.emit({ body: 'not sampled' }));

    const logs = await collector.waitFor((c) => {
      const held = c.logs({ service: 'logs-service' });
      return held.length === 4 && c.segments().some((s) => s.service === 'logs-service') && held;
    }, 10_000);
    const segment = collector.segments().find((s) => s.service === 'logs-service')!;
    const byBody = (body: string): StoredLog => logs.find((l) => l.body === body)!;
    const spanNamed = (name: string) => segment.spans.find((s) => s.operationName === name)!;

    const first = byBody('request in');
    assert.deepEqual(first.traceContext, { traceId: segment.traceId, traceSegmentId: segment.traceSegmentId, spanId: spanNamed('GET:/orders').spanId });
    assert.equal(first.level, 'info');
    assert.equal(first.endpoint, 'GET:/orders');
    assert.equal(first.instance, 'logs-1');

    const second = byBody('{"order":42,"items":["a"]}');
    assert.deepEqual(second.traceContext, { traceId: segment.traceId, traceSegmentId: segment.traceSegmentId, spanId: spanNamed('load').spanId });
    assert.notEqual(spanNamed('load').spanId, spanNamed('GET:/orders').spanId);
    assert.equal(second.level, 'WARN', 'the severity number names the level when there is no text');
    assert.deepEqual(second.tags, { level: 'WARN', 'order.id': '42', user: 'ann' });
    assert.equal(second.endpoint, 'GET:/orders', 'the endpoint is the entry span of the segment');

    assert.equal(byBody('outside any trace').traceContext, null);
    assert.deepEqual(byBody('not sampled').traceContext, { traceId: 'ab'.repeat(16), traceSegmentId: '', spanId: 0 });
    assert.deepEqual(collector.violations({ traceId: segment.traceId }), []);

    // The HTTP API's contract, over a real socket.
    const response = (await (await fetch(`${httpAddress}/logs?traceId=${segment.traceId}&limit=1`)).json()) as { logs: StoredLog[] };
    assert.equal(response.logs.length, 1);
    assert.deepEqual(response.logs[0], second);
    const bySegment = (await (await fetch(`${httpAddress}/logs?segmentId=${segment.traceSegmentId}`)).json()) as { logs: StoredLog[] };
    assert.deepEqual(bySegment.logs.map((l) => l.body), ['request in', second.body]);

    const stats = app.processor.getStats();
    assert.equal(stats.sent, 4);
    assert.equal(Object.values(stats.dropped).reduce((a, b) => a + b, 0), 0);
    await app.shutdown();
  });

  it('shares one HTTP/2 connection with the span exporter', async () => {
    const proxy = await countingProxy(grpcAddress);
    const app = setUp(proxy.address);
    try {
      app.tracer.startActiveSpan('shared', (span) => {
        app.logger.emit({ body: 'on the shared connection' });
        span.end();
      });
      await collector.waitFor((c) => c.logs().some((l) => l.body === 'on the shared connection') && c.segments().some((s) => s.spans[0]?.operationName === 'shared'), 10_000);
      assert.equal(proxy.connections(), 1, 'segments, heartbeat and logs went over one connection');
    } finally {
      await app.shutdown();
      await proxy.close();
    }
  });
});

describe('SkyWalkingLogRecordProcessor with the OAP down', () => {
  it('keeps at most maxQueueSize records and counts every one it does not deliver', async () => {
    const processor = new SkyWalkingLogRecordProcessor({ collector: await refusedAddress(), maxQueueSize: 10, scheduledDelayMillis: 10_000 }, {});
    const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('test');
    for (let i = 0; i < 100; i++) logger.emit({ body: `record ${i}` });
    assert.equal(processor.getStats().dropped.queueFull, 90, 'beyond the queue, records are dropped and counted at once');
    await processor.forceFlush();
    const stats = processor.getStats();
    assert.equal(stats.sent, 0);
    assert.equal(stats.dropped.collectorUnavailable, 10);
    await processor.shutdown();
  });

  it('reports from SW_AGENT_LOG_REPORTER_LEVEL up, in the Python agent\'s names too', async () => {
    const processor = new SkyWalkingLogRecordProcessor({ collector: await refusedAddress(), maxQueueSize: 100 }, { SW_AGENT_LOG_REPORTER_LEVEL: 'WARNING' });
    const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('test');
    for (const severityNumber of [SeverityNumber.DEBUG, SeverityNumber.INFO, SeverityNumber.WARN, SeverityNumber.ERROR, SeverityNumber.FATAL]) {
      logger.emit({ body: 'x', severityNumber });
    }
    await processor.forceFlush();
    const stats = processor.getStats();
    assert.equal(stats.filtered, 2);
    assert.equal(stats.dropped.collectorUnavailable, 3);
    await processor.shutdown();
  });

  it('shuts down within its timeout when the collector never answers', async () => {
    const server = await silentServer();
    try {
      const processor = new SkyWalkingLogRecordProcessor({ collector: server.address, timeoutMillis: 500, connectTimeoutMillis: 300 }, {});
      const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('test');
      for (let i = 0; i < 5; i++) logger.emit({ body: `record ${i}` });
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'bound'>((resolve) => (timer = setTimeout(() => resolve('bound'), 5000)));
      const first = await Promise.race([processor.shutdown().then(() => 'shutdown' as const), bound]);
      clearTimeout(timer);
      assert.equal(first, 'shutdown', 'shutdown settled before the bound');
      assert.ok(server.connections() >= 1, 'the collector was tried');
      const stats = processor.getStats();
      assert.equal(stats.sent, 0);
      assert.equal(Object.values(stats.dropped).reduce((a, b) => a + b, 0), 5);
    } finally {
      await server.close();
    }
  });

  it('never reports the diagnostics it writes while exporting, even through an instrumented logger', async () => {
    const processor = new SkyWalkingLogRecordProcessor({ collector: await refusedAddress() }, {});
    const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('test');
    // A diag logger that feeds the same log pipeline, as an app whose diag goes to its own pino would.
    const write = (message: string): void => logger.emit({ body: message });
    const feeding: DiagLogger = { error: write, warn: write, info: write, debug: write, verbose: write };
    diag.setLogger(feeding, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      logger.emit({ body: 'the one record' });
      await processor.forceFlush();
      await processor.forceFlush();
      const stats = processor.getStats();
      assert.ok(stats.suppressed >= 1, 'the export failure was written to diag and not reported');
      assert.equal(stats.dropped.collectorUnavailable, 1, 'only the app record was exported');
    } finally {
      diag.disable();
      await processor.shutdown();
    }
  });
});
