// Interop with Apache SkyWalking's own Node.js agent (skywalking-backend-js) over real HTTP:
// the agent runs in a child process and reports its segments to a gRPC receiver speaking the
// SkyWalking protocol; our side is an OpenTelemetry service with the http instrumentation.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SegmentTracker, encodeSw8, swSpanOf, type Segment } from '@otel-skywalking/core';
import { createSkyWalkingPropagator } from '../src';

const instrumentation = new HttpInstrumentation();
const tracker = new SegmentTracker();
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-orders', 'service.instance.id': 'otel-orders-1' }),
  spanProcessors: [tracker, new SimpleSpanProcessor(new InMemorySpanExporter())],
});
provider.register({ propagator: createSkyWalkingPropagator() });
instrumentation.setTracerProvider(provider);
instrumentation.enable();

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { SpanType, type SegmentObject } from '@otel-skywalking/core/protocol';
import { startSegmentReceiver, type SegmentReceiver } from './receiver';

const http: typeof import('node:http') = require('node:http');

function get(url: string): Promise<string> {
  return new Promise((done, fail) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => done(body));
      })
      .on('error', fail);
  });
}

/** GET without tracing, so that a request starts a trace at the peer rather than ours. */
function untracedGet(url: string): Promise<string> {
  return context.with(suppressTracing(context.active()), () => get(url));
}

describe('interop with skywalking-backend-js', () => {
  let receiver: SegmentReceiver;
  let agent: ChildProcess;
  let agentUrl: string;
  let ours: import('node:http').Server;
  let oursUrl: string;
  const seen: Array<{ sw8: string | undefined; segment: Segment | undefined }> = [];

  before(async () => {
    receiver = await startSegmentReceiver();
    ours = http.createServer((req, res) => {
      const segment = swSpanOf(trace.getActiveSpan())?.segment;
      seen.push({ sw8: req.headers.sw8 as string | undefined, segment });
      const target = new URL(req.url!, 'http://x').searchParams.get('then');
      if (target === null) return res.end('ok');
      get(target).then((body) => res.end(body), (err) => res.end(String(err)));
    });
    ours.listen(0, '127.0.0.1');
    await once(ours, 'listening');
    oursUrl = `http://127.0.0.1:${(ours.address() as import('node:net').AddressInfo).port}`;
    agent = spawn(process.execPath, [resolve(__dirname, '../../test/fixtures/sw-agent-service.js')], {
      env: { ...process.env, SW_AGENT_COLLECTOR_BACKEND_SERVICES: receiver.address, SW_AGENT_LOGGING_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The agent may log to stdout too: wait for the fixture's own line.
    const port = await new Promise<number>((done, fail) => {
      let buffered = '';
      agent.stdout!.on('data', (chunk) => {
        buffered += chunk;
        const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
        if (line) done(JSON.parse(line).port);
      });
      agent.once('exit', (code) => fail(new Error(`the agent service exited (${code}) before listening`)));
    });
    agentUrl = `http://127.0.0.1:${port}`;
    // The agent traces only once connected to its collector: wait until one of its segments arrives.
    await untracedGet(`${agentUrl}/warmup`);
    await receiver.waitFor(() => true, 15_000);
  });

  after(async () => {
    agent.kill('SIGTERM');
    await once(agent, 'exit');
    ours.close();
    await receiver.close();
    instrumentation.disable();
    await provider.shutdown();
  });

  const agentSegment = (pred: (s: SegmentObject) => boolean) => receiver.waitFor(pred, 15_000);

  it('extracts the headers the agent injects: same trace, segment, span, service, instance, endpoint, address', async () => {
    seen.length = 0;
    await untracedGet(`${agentUrl}/call?target=${encodeURIComponent(oursUrl + '/from-agent')}`);
    assert.equal(seen.length, 1);
    const { segment } = seen[0];
    assert.ok(segment?.ref, `our entry segment has a CrossProcess ref (sw8: ${seen[0].sw8}, segment: ${segment?.id})`);
    const ref = segment.ref;
    const theirs = await agentSegment((s) => s.traceSegmentId === ref.parentTraceSegmentId);
    const exit = theirs.spans.find((s) => s.spanId === ref.parentSpanId)!;
    assert.equal(exit.spanType, SpanType.Exit);
    assert.equal(segment.traceId, theirs.traceId);
    assert.equal(ref.traceId, theirs.traceId);
    assert.equal(ref.parentService, theirs.service);
    assert.equal(ref.parentServiceInstance, theirs.serviceInstance);
    // skywalking-backend-js writes its exit span's own operation name as the parent endpoint.
    assert.equal(ref.parentEndpoint, exit.operationName);
    assert.equal(ref.networkAddressUsedAtPeer, exit.peer);
  });

  it('injects headers the agent accepts: its segment references our segment and exit span', async () => {
    const tracer = provider.getTracer('interop');
    const root = tracer.startSpan('job');
    await context.with(trace.setSpan(context.active(), root), () => get(`${agentUrl}/hello`));
    root.end();
    const ours = swSpanOf(root)!.segment;
    const theirs = await agentSegment((s) => s.spans.some((sp) => sp.refs.some((r) => r.parentTraceSegmentId === ours.id)));
    const ref = theirs.spans.flatMap((s) => s.refs).find((r) => r.parentTraceSegmentId === ours.id)!;
    assert.equal(theirs.traceId, ours.traceId);
    assert.equal(ref.traceId, ours.traceId);
    assert.equal(ref.parentSpanId, 1, 'the http client span is span 1 of our segment');
    assert.equal(ref.parentService, 'otel-orders');
    assert.equal(ref.parentServiceInstance, 'otel-orders-1');
    assert.equal(ref.networkAddressUsedAtPeer, new URL(agentUrl).host);
  });

  it('keeps a Java-style trace id exactly through us to the agent', async () => {
    const javaTraceId = '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001';
    const sw8 = encodeSw8({
      sampled: true,
      traceId: javaTraceId,
      parentSegmentId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430002',
      parentSpanId: 3,
      parentService: 'java-gateway',
      parentServiceInstance: 'gw@10.0.0.9',
      parentEndpoint: '{GET}/api',
      targetAddress: new URL(oursUrl).host,
    });
    seen.length = 0;
    await context.with(suppressTracing(context.active()), () =>
      new Promise<void>((done, fail) => {
        http
          .get(`${oursUrl}/from-java?then=${encodeURIComponent(agentUrl + '/hello')}`, { headers: { sw8 } }, (res) => {
            res.resume();
            res.on('end', done);
          })
          .on('error', fail);
      }),
    );
    assert.equal(seen[0].segment?.traceId, javaTraceId);
    const theirs = await agentSegment((s) => s.traceId === javaTraceId);
    assert.equal(theirs.spans.flatMap((s) => s.refs)[0].parentTraceSegmentId, seen[0].segment!.id);
  });
});
