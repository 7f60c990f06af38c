/** The README's test example, verbatim (only the import path differs), so it keeps working. */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SpanLayer, SpanType, traceSegmentReportService } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector, formatTrace } from '../src';
import { it } from 'node:test';

it('the README example runs', async () => {
  const collector = new SkyWalkingCollector();          // 127.0.0.1, a free port
  const { grpc: address } = await collector.start();    // '127.0.0.1:<port>'

  // Any SkyWalking client works; here, a bare gRPC client built from the protocol definitions.
  const Client = grpc.makeGenericClientConstructor(traceSegmentReportService() as never, 'TraceSegmentReportService');
  const client = new Client(address, grpc.credentials.createInsecure()) as any;
  const now = Date.now();
  await new Promise((resolve, reject) => {
    const call = client.collect(new grpc.Metadata(), (err: Error | null) => (err ? reject(err) : resolve(undefined)));
    call.write({
      traceId: 't1', traceSegmentId: 's1', service: 'shop', serviceInstance: 'shop-1', isSizeLimited: false,
      spans: [
        { spanId: 0, parentSpanId: -1, startTime: now, endTime: now + 20, operationName: 'GET:/orders', spanType: SpanType.Entry,
          spanLayer: SpanLayer.Http, componentId: 49, peer: '', refs: [], tags: [], logs: [], isError: false, skipAnalysis: false },
        { spanId: 1, parentSpanId: 0, startTime: now + 2, endTime: now + 15, operationName: 'SELECT', spanType: SpanType.Exit,
          spanLayer: SpanLayer.Database, componentId: 22, peer: 'db:5432', refs: [], tags: [], logs: [], isError: false, skipAnalysis: false },
      ],
    });
    call.end(); // the collector answers after the half-close, like the OAP
  });

  const trace = await collector.waitFor((c) => c.traces().find((t) => t.traceId === 't1'), 5000);
  process.stdout.write(formatTrace(trace));
  assert.deepEqual(collector.violations(), []);
  assert.deepEqual(collector.topology().map((e) => `${e.source} → ${e.target} (${e.targetLayer})`), [
    'User → shop (GENERAL)',
    'shop → db:5432 (VIRTUAL_DATABASE)',
  ]);
  client.close();
  await collector.close();
});
