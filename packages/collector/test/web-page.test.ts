// The web view in a real headless Chromium (Debian's chromium): the trace list and a waterfall.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { RefType, SpanLayer, SpanType, traceSegmentReportService, type SegmentObject } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector } from '../src';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Loads a page in headless Chromium, runs its scripts, and returns the DOM as HTML. */
async function dumpDom(url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'collector-chromium-'));
  try {
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', url,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const now = Date.now();
const traceId = 'web-view-trace-1';
const front: SegmentObject = {
  traceId, traceSegmentId: 'seg-front', service: 'web-front', serviceInstance: 'front-1', isSizeLimited: false,
  spans: [
    { spanId: 0, parentSpanId: -1, startTime: now, endTime: now + 40, refs: [], operationName: 'GET:/pay', peer: '', spanType: SpanType.Entry,
      spanLayer: SpanLayer.Http, componentId: 49, isError: true, tags: [{ key: 'http.status_code', value: '500' }], logs: [], skipAnalysis: false },
    { spanId: 1, parentSpanId: 0, startTime: now + 5, endTime: now + 35, refs: [], operationName: 'POST', peer: 'billing:8080', spanType: SpanType.Exit,
      spanLayer: SpanLayer.Http, componentId: 2, isError: false, tags: [{ key: 'url', value: '<script>window.pwned = 1</script>' }], logs: [], skipAnalysis: false },
  ],
};
const billing: SegmentObject = {
  traceId, traceSegmentId: 'seg-billing', service: 'web-billing', serviceInstance: 'billing-1', isSizeLimited: false,
  spans: [
    { spanId: 0, parentSpanId: -1, startTime: now + 10, endTime: now + 30, operationName: 'POST:/charge', peer: '', spanType: SpanType.Entry,
      spanLayer: SpanLayer.Http, componentId: 49, isError: false, tags: [], logs: [], skipAnalysis: false,
      refs: [{ refType: RefType.CrossProcess, traceId, parentTraceSegmentId: 'seg-front', parentSpanId: 1, parentService: 'web-front',
        parentServiceInstance: 'front-1', parentEndpoint: 'GET:/pay', networkAddressUsedAtPeer: 'billing:8080' }] },
  ],
};

describe('web view', () => {
  const collector = new SkyWalkingCollector({ httpPort: 0 });
  let http: string;

  before(async () => {
    const addresses = await collector.start();
    http = addresses.http!;
    const Client = grpc.makeGenericClientConstructor(traceSegmentReportService() as unknown as grpc.ServiceDefinition, 'TraceSegmentReportService');
    const client = new Client(addresses.grpc, grpc.credentials.createInsecure());
    await new Promise<void>((done, fail) => {
      const call = client.makeClientStreamRequest(
        traceSegmentReportService().collect.path,
        (v: SegmentObject) => traceSegmentReportService().collect.requestSerialize(v),
        (b: Buffer) => b,
        (err: grpc.ServiceError | null) => (err ? fail(err) : done()),
      );
      call.write(front);
      call.write(billing);
      call.end();
    });
    client.close();
  });

  after(() => collector.close());

  it('serves the page to browsers and JSON to everything else', async () => {
    const page = await fetch(`${http}/`, { headers: { accept: 'text/html' } });
    assert.match(page.headers.get('content-type')!, /text\/html/);
    const api = (await (await fetch(`${http}/`)).json()) as { endpoints: string[] };
    assert.ok(api.endpoints.length > 0);
  });

  it('lists the traces, marking the failed one', async () => {
    const dom = await dumpDom(`${http}/`);
    assert.match(dom, /<h2>1 traces<\/h2>/);
    assert.match(dom, /<tr class="trace error" data-trace-id="web-view-trace-1">/);
    assert.match(dom, /href="#\/trace\/web-view-trace-1">GET:\/pay<\/a>/);
    assert.match(dom, /web-front, web-billing/);
  });

  it('draws the waterfall of one trace with services, spans, durations, errors and tags, as text', async () => {
    const dom = await dumpDom(`${http}/#/trace/${traceId}`);
    const rows = dom.match(/<div class="span( error)?" data-span-key="/g) ?? [];
    assert.equal(rows.length, 3, 'one row per span, across both segments');
    assert.match(dom, /<div class="span error" data-span-key="seg-frontS0">/);
    assert.match(dom, /data-span-key="seg-billingS0"/);
    assert.match(dom, /<span class="service">web-billing<\/span>/);
    assert.match(dom, /Exit · Http · HttpClient · billing:8080/);
    assert.match(dom, /<div class="dur">40 ms<\/div>/);
    assert.match(dom, /<dt>http.status_code<\/dt><dd>500<\/dd>/);
    // A tag value from the network is shown as text, never run as markup.
    assert.match(dom, /<dd>&lt;script&gt;window.pwned = 1&lt;\/script&gt;<\/dd>/);
    assert.doesNotMatch(dom, /<script>window.pwned/);
  });
});
