/**
 * (c) Each ignore rule through real HTTP: the instrumented entry's attributes at start decide;
 * an ignored request records nothing yet passes its trace on unsampled; a sampled remote parent
 * is followed even on an ignored path.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { newSpanId, newTraceId } from './helpers';
import { get, startServer, type Server } from './http';
import { parseHeaders, setUpTracing, type Tracing } from './tracing';
const http = (): typeof import('node:http') => require('node:http') as typeof import('node:http');

let tracing: Tracing;
let instrumentation: HttpInstrumentation;
let downstream: Server;
let app: Server;
const downstreamHeaders: IncomingHttpHeaders[] = [];

before(async () => {
  tracing = setUpTracing(
    { ignorePaths: '/health,/eureka/**,GET:/admin/*', ignoreMethods: 'OPTIONS', ignoreSuffixes: '.js,.css' },
    'ignore-test',
  );
  instrumentation = new HttpInstrumentation();
  downstream = await startServer((req, res) => {
    downstreamHeaders.push(req.headers);
    res.end('ok');
  });
  app = await startServer((_req, res) => {
    // every request calls downstream, so ignored ones must still pass their trace on
    get(`${downstream.url}/next`).then(
      () => res.end('ok'),
      () => res.end('downstream failed'),
    );
  });
});

after(async () => {
  await app.close();
  await downstream.close();
  instrumentation.disable();
  await tracing.shutdown();
});

/** Sends one request from outside any trace and returns what the app passed downstream. */
async function send(method: string, path: string, headers: Record<string, string> = {}): Promise<IncomingHttpHeaders> {
  downstreamHeaders.length = 0;
  tracing.exporter.reset();
  await new Promise<void>((resolve, reject) => {
    // the test client is not traced: the app's entry is where the trace starts
    const req = context.with(suppressTracing(ROOT_CONTEXT), () => http().request(`${app.url}${path}`, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    }));
    req.on('error', reject);
    req.end();
  });
  assert.equal(downstreamHeaders.length, 1);
  return downstreamHeaders[0];
}

function recordedServerPaths(): string[] {
  return tracing.exporter
    .getFinishedSpans()
    .filter((s) => s.kind === SpanKind.SERVER)
    .map((s) => `${String(s.attributes['http.request.method'])} ${String(s.attributes['url.path'])}`)
    .sort();
}

async function assertIgnored(method: string, path: string): Promise<void> {
  const headers = await send(method, path);
  assert.deepEqual(tracing.exporter.getFinishedSpans(), [], `${method} ${path} was recorded`);
  const parsed = parseHeaders(headers);
  assert.equal(parsed.traceparent?.flags, '00', `${method} ${path}`);
  assert.equal(parsed.sw8?.sampled, false, `${method} ${path}`);
  assert.equal(parsed.sw8?.traceId, parsed.traceparent?.traceId);
}

describe('(c) ignore rules through real HTTP', () => {
  it('a request nothing ignores is recorded, with its exit, and passes sample=1 on', async () => {
    const headers = await send('GET', '/orders?page=2');
    const parsed = parseHeaders(headers);
    assert.equal(parsed.traceparent?.flags, '01');
    assert.equal(parsed.sw8?.sampled, true);
    assert.equal(parsed.sw8?.parentService, 'ignore-test');
    assert.equal(parsed.sw8?.parentEndpoint, 'GET:/orders');
    assert.deepEqual(recordedServerPaths(), ['GET /next', 'GET /orders']);
  });

  it('SW_TRACE_IGNORE_PATH: exact, /** and METHOD:/path globs', async () => {
    await assertIgnored('GET', '/health');
    await assertIgnored('GET', '/health?probe=ready');
    await assertIgnored('GET', '/eureka');
    await assertIgnored('POST', '/eureka/apps/ORDERS');
    await assertIgnored('GET', '/admin/users');
    // not matched: POST is not GET, and /admin/* does not cross '/'
    await send('POST', '/admin/users');
    assert.deepEqual(recordedServerPaths(), ['GET /next', 'POST /admin/users']);
    await send('GET', '/admin/users/7');
    assert.deepEqual(recordedServerPaths(), ['GET /admin/users/7', 'GET /next']);
  });

  it('SW_IGNORE_SUFFIX', async () => {
    await assertIgnored('GET', '/static/app.js');
    await assertIgnored('GET', '/static/site.CSS?v=3');
    await send('GET', '/static/data.json');
    assert.deepEqual(recordedServerPaths(), ['GET /next', 'GET /static/data.json']);
  });

  it('SW_HTTP_IGNORE_METHOD', async () => {
    await assertIgnored('OPTIONS', '/orders');
    await send('DELETE', '/orders');
    assert.deepEqual(recordedServerPaths(), ['DELETE /orders', 'GET /next']);
  });

  it('a sampled remote parent is followed on an ignored path', async () => {
    const traceId = newTraceId();
    const headers = await send('GET', '/health', { traceparent: `00-${traceId}-${newSpanId()}-01` });
    assert.deepEqual(recordedServerPaths(), ['GET /health', 'GET /next']);
    assert.equal(parseHeaders(headers).traceparent?.traceId, traceId);
    assert.equal(parseHeaders(headers).sw8?.sampled, true);
  });

  it('stats count each rule', () => {
    const { notSampled, sampled } = tracing.sampler.getStats();
    assert.equal(notSampled.ignoredPath, 5);
    assert.equal(notSampled.ignoredSuffix, 2);
    assert.equal(notSampled.ignoredMethod, 1);
    // the ignored entries' exits followed them, and the downstream entries followed those
    assert.equal(notSampled.parent, 8);
    assert.equal(notSampled.remoteParent, 8);
    assert.equal(sampled.root, 5);
    // the remote-parented /health, and the downstream entry of each of the 6 recorded requests
    assert.equal(sampled.remoteParent, 1 + 6);
    assert.equal(sampled.parent, 6);
  });
});
