// The web view driven in a real headless Chromium (Debian's, through playwright-core) against a real
// collector fed over gRPC: the service map of the demo's topology, the violations panel, the filters,
// markup in names, live updates, and the rendering of /logs and /meters (as fixtures, for their edge cases,
// and end to end from logs and meters sent to the collector over gRPC).
// With WEB_VIEW_SCREENSHOTS=<dir>, each view is also saved there as a PNG (the docs' images).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SpanLayer, SpanType, type SegmentObject } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector, VALIDATION_RULES } from '../src';
import { collect, logClient, managementClient, meterClient, meterReport, ref, segment, sendLogs, sendMeters, singleMeter, span, traceClient, unary } from './helpers';

// What the functions run in the page use (this package compiles without the DOM library).
declare const document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): { textContent: string | null } | null };
declare const window: { location: { hash: string }; pwned?: number; loadedOnce?: boolean };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.WEB_VIEW_SCREENSHOTS;
const BACKEND = '127.0.0.1:38080';
const MONGO = '127.0.0.1:27017';
const RABBIT = '127.0.0.1:5672';
const base = Date.now() - 60_000;

/** One request of the demo: demo-front → demo-backend → MongoDB, and → RabbitMQ → demo-consumer → MongoDB. */
function demoTrace(n: number, opts: { fail?: boolean; durationMs?: number } = {}): SegmentObject[] {
  const traceId = `demo-trace-${n}`;
  const t = base + n * 1000;
  const d = opts.durationMs ?? 40;
  const front = segment({
    traceId, traceSegmentId: `${traceId}-front`, service: 'demo-front', serviceInstance: 'front-1',
    spans: [
      span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: opts.fail ? 'GET:/checkout/fail' : 'GET:/checkout/:id',
        startTime: t, endTime: t + d, isError: opts.fail === true, tags: [{ key: 'http.status_code', value: opts.fail ? '502' : '200' }] }),
      span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Http, componentId: 2, operationName: 'GET:/orders', peer: BACKEND,
        startTime: t + 2, endTime: t + d - 2, isError: opts.fail === true }),
    ],
  });
  const backendRef = ref({ traceId, parentTraceSegmentId: front.traceSegmentId, parentSpanId: 1, parentService: 'demo-front', parentServiceInstance: 'front-1',
    parentEndpoint: front.spans[0].operationName, networkAddressUsedAtPeer: BACKEND });
  const backend = segment({
    traceId, traceSegmentId: `${traceId}-backend`, service: 'demo-backend', serviceInstance: 'backend-1',
    spans: [
      span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: opts.fail ? 'GET:/orders/fail' : 'GET:/orders/:id',
        startTime: t + 4, endTime: t + d - 4, isError: opts.fail === true, refs: [backendRef] }),
      span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Database, componentId: 9, operationName: 'MongoDB/find', peer: MONGO,
        startTime: t + 6, endTime: t + 10, isError: opts.fail === true }),
    ],
  });
  if (opts.fail) return [front, backend];
  backend.spans.push(span({ spanId: 2, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.MQ, componentId: 52, operationName: 'RabbitMQ/Queue/demo-orders/Producer',
    peer: RABBIT, startTime: t + 11, endTime: t + 14 }));
  const consumer = segment({
    traceId, traceSegmentId: `${traceId}-consumer`, service: 'demo-consumer', serviceInstance: 'consumer-1',
    spans: [
      span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.MQ, componentId: 53, operationName: 'RabbitMQ/Queue/demo-orders/Consumer', peer: RABBIT,
        startTime: t + 15, endTime: t + 25,
        refs: [ref({ traceId, parentTraceSegmentId: backend.traceSegmentId, parentSpanId: 2, parentService: 'demo-backend', parentServiceInstance: 'backend-1',
          parentEndpoint: backend.spans[0].operationName, networkAddressUsedAtPeer: RABBIT })] }),
      span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Database, componentId: 9, operationName: 'MongoDB/update', peer: MONGO,
        startTime: t + 16, endTime: t + 20 }),
    ],
  });
  return [front, backend, consumer];
}

const DEMO_EDGES = [
  'User → demo-front',
  'demo-front → demo-backend',
  `demo-backend → ${MONGO}`,
  `demo-backend → ${RABBIT}`,
  `${RABBIT} → demo-consumer`,
  `demo-consumer → ${MONGO}`,
];

/** An exit span without a peer: the OAP cannot draw its edge (rule span.exit-peer). */
const invalid = segment({
  traceId: 'invalid-trace', traceSegmentId: 'invalid-seg', service: 'demo-batch', serviceInstance: 'batch-1',
  spans: [
    span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: 'POST:/batch', startTime: base + 9000, endTime: base + 9300 }),
    span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Http, componentId: 2, operationName: 'POST:/upstream', peer: '', startTime: base + 9010, endTime: base + 9200 }),
  ],
});

const MARKUP = '<img src=x onerror="window.pwned=1">';
const hostile = segment({
  traceId: 'hostile-trace', traceSegmentId: 'hostile-seg', service: `evil${MARKUP}`, serviceInstance: 'evil-1',
  spans: [span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: '<b>GET:/x</b>', startTime: base + 9500, endTime: base + 9510,
    tags: [{ key: 'url', value: '<script>window.pwned = 2</script>' }] })],
});

describe('web view in Chromium', () => {
  const collector = new SkyWalkingCollector({ httpPort: 0 });
  let http: string;
  let grpcAddress: string;
  let profile: string;
  let browser: BrowserContext;

  async function send(segments: SegmentObject[]): Promise<void> {
    const client = traceClient(grpcAddress);
    try {
      await collect(client, segments);
    } finally {
      client.close();
    }
  }

  async function open(hash: string): Promise<Page> {
    const page = await browser.newPage();
    watch(page);
    await page.goto(`${http}/${hash}`);
    await page.waitForSelector('.status.live');
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    if (SCREENSHOTS === undefined) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  before(async () => {
    const addresses = await collector.start();
    http = addresses.http!;
    origin = `${http}/`;
    grpcAddress = addresses.grpc;
    await send([...demoTrace(1), ...demoTrace(2, { durationMs: 120 }), ...demoTrace(3), ...demoTrace(4), ...demoTrace(5, { fail: true })]);
    const management = managementClient(grpcAddress);
    await unary((r, m, cb) => management.reportInstanceProperties(r, m, cb), {
      service: 'demo-backend', serviceInstance: 'backend-1', layer: '',
      properties: [{ key: 'language', value: 'NodeJS' }, { key: 'Process No.', value: '4242' }, { key: 'hostname', value: 'demo-host' }],
    });
    await unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 'demo-backend', serviceInstance: 'backend-1', layer: '' });
    management.close();
    profile = mkdtempSync(join(tmpdir(), 'collector-playwright-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'the page threw'));

  after(async () => {
    await browser?.close();
    await collector.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it('serves the page to browsers and JSON to everything else', async () => {
    const page = await fetch(`${http}/`, { headers: { accept: 'text/html' } });
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(await page.text(), /^<!doctype html>/);
    const api = (await (await fetch(`${http}/`)).json()) as { endpoints: string[] };
    assert.ok(api.endpoints.includes('GET /rules'));
  });

  it("draws the demo's service map: 6 edges, typed nodes, failed calls marked, an edge opens its traces", async () => {
    const page = await open('#/map');
    await page.waitForSelector('#service-map g.edge');
    const edges = await page.$$eval('#service-map g.edge', (gs) => gs.map((g) => `${g.getAttribute('data-source')} → ${g.getAttribute('data-target')}`));
    assert.deepEqual(edges.sort(), [...DEMO_EDGES].sort());
    const kinds = await page.$$eval('#service-map g.node', (gs) => Object.fromEntries(gs.map((g) => [g.getAttribute('data-node'), g.getAttribute('class')])));
    assert.deepEqual(kinds, {
      'User': 'node user', 'demo-front': 'node service', 'demo-backend': 'node service', 'demo-consumer': 'node service',
      [MONGO]: 'node database', [RABBIT]: 'node mq',
    });
    const failed = await page.$$eval('#service-map g.edge.error', (gs) => gs.map((g) => `${g.getAttribute('data-source')} → ${g.getAttribute('data-target')}`));
    assert.deepEqual(failed.sort(), ['User → demo-front', `demo-backend → ${MONGO}`, 'demo-front → demo-backend'].sort());
    const joined = page.locator('#service-map g.edge[data-source="demo-front"][data-target="demo-backend"]');
    assert.match(await joined.locator('text').allTextContents().then((t) => t.join(' | ')), /HttpClient \/ http \| client\+server · ✗ 2 failed/);
    await screenshot(page, 'web-view-map');

    await page.locator(`#service-map g.edge[data-source="demo-backend"][data-target="${RABBIT}"] text.edge-label >> nth=0`).click();
    await page.waitForSelector('#filter-edge .chip');
    assert.equal(await page.locator('#traces tbody tr').count(), 4, 'the failed request published nothing');
    assert.match(await page.locator('h2').textContent() ?? '', /^4 of 5 traces$/);
    assert.equal(await page.locator('#traces tr[data-trace-id="demo-trace-5"]').count(), 0);

    // A service node opens that service's traces.
    await page.goto(`${http}/#/map`);
    await page.locator('#service-map g.node[data-node="demo-consumer"] circle').click();
    await page.waitForFunction(() => /service=demo-consumer/.test(window.location.hash));
    await page.waitForFunction(() => document.querySelectorAll('#traces tbody tr').length === 4);
    assert.equal(await page.locator('#filter-service').inputValue(), 'demo-consumer');
    await page.close();
  });

  it('shows a deliberately invalid segment in the violations panel, with the OAP behaviour, a badge and a link to its span', async () => {
    await send([invalid]);
    const page = await open('#/violations');
    const row = page.locator('#violation-table tr[data-rule="span.exit-peer"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], 'error');
    assert.equal(cells[1], 'span.exit-peer');
    assert.equal(cells[3], VALIDATION_RULES['span.exit-peer'].oapBehaviour);
    assert.equal(cells[4], 'demo-batch');
    assert.equal(cells[5], 'invalid-seg span 1');
    assert.equal(await page.locator('#violation-count').textContent(), '1');
    await screenshot(page, 'web-view-violations');

    await row.locator('a').click();
    await page.waitForSelector('#waterfall .span.highlight');
    assert.equal(await page.locator('#waterfall .span.highlight').getAttribute('data-span-key'), 'invalid-segS1');
    assert.match(await page.locator('#waterfall .span.highlight .badge.error').textContent() ?? '', /⚠ 1/);
    assert.match(await page.locator('#violations').textContent() ?? '', /OAP: /);
    const text = await fetch(new URL((await page.locator('#trace-text').getAttribute('href'))!, `${http}/`));
    assert.match(await text.text(), /✗ span\.exit-peer \[demo-batch/);

    await page.goto(`${http}/#/traces`);
    const badge = page.locator('#traces tr[data-trace-id="invalid-trace"] .badge.error');
    await badge.waitFor();
    assert.equal(await badge.textContent(), '⚠ 1');
    assert.equal(await page.locator('#traces .badge').count(), 1, 'only the invalid trace has findings');
    await page.close();
  });

  it('narrows the list by service, endpoint, errors only and minimum duration', async () => {
    const page = await open('#/traces');
    await page.waitForSelector('#traces tbody tr');
    const rows = () => page.locator('#traces tbody tr').count();
    const total = await rows();
    assert.ok(total >= 6, `all traces listed, got ${total}`);
    await screenshot(page, 'web-view-traces');

    await page.selectOption('#filter-service', 'demo-consumer');
    await page.waitForFunction(() => document.querySelectorAll('#traces tbody tr').length === 4);
    assert.match(location(page), /service=demo-consumer/);

    await page.selectOption('#filter-service', '');
    await page.selectOption('#filter-endpoint', 'GET:/checkout/fail');
    await page.waitForFunction(() => document.querySelectorAll('#traces tbody tr').length === 1);
    assert.equal(await page.locator('#traces tbody tr').getAttribute('data-trace-id'), 'demo-trace-5');

    await page.selectOption('#filter-endpoint', '');
    await page.check('#filter-errors');
    await page.waitForFunction(() => document.querySelectorAll('#traces tbody tr').length === 1);
    assert.equal(await page.locator('#traces tbody tr.error').count(), 1);

    await page.uncheck('#filter-errors');
    await page.fill('#filter-min', '100');
    await page.press('#filter-min', 'Enter');
    await page.waitForFunction(() => /min=100/.test(window.location.hash));
    await page.waitForFunction(() => document.querySelectorAll('#traces tbody tr').length === 2);
    const slow = await page.$$eval('#traces tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-trace-id')).sort());
    assert.deepEqual(slow, ['demo-trace-2', 'invalid-trace']);
    await page.close();
  });

  it('shows names with markup as text, in the list, the filters, the map and the waterfall', async () => {
    await send([hostile]);
    const page = await open('#/traces');
    await page.waitForSelector('#traces tr[data-trace-id="hostile-trace"]');
    const row = page.locator('#traces tr[data-trace-id="hostile-trace"]');
    assert.equal(await row.locator('a').textContent(), '<b>GET:/x</b>');
    assert.match(await row.textContent() ?? '', /evil<img src=x onerror="window\.pwned=1">/);
    assert.ok((await page.locator('#filter-service option').allTextContents()).includes(`evil${MARKUP}`));
    await page.goto(`${http}/#/map`);
    await page.waitForSelector('#service-map g.edge[data-target^="evil"]');
    assert.equal(await page.locator('#service-map g.edge[data-target^="evil"]').getAttribute('data-target'), `evil${MARKUP}`);
    await page.goto(`${http}/#/trace/hostile-trace`);
    await page.waitForSelector('#waterfall .span');
    assert.equal(await page.locator('#waterfall .op').textContent(), '<b>GET:/x</b>');
    assert.equal(await page.locator('#waterfall dd').textContent(), '<script>window.pwned = 2</script>');
    assert.equal(await page.locator('main img, main b').count(), 0, 'no element was made from a name');
    assert.equal(await page.evaluate(() => window.pwned), undefined);

    await page.goto(`${http}/#/trace/${encodeURIComponent('<i>nope</i>')}`);
    assert.equal(await page.locator('#view-error').textContent(), 'no such trace held (not received yet, or evicted)');
    assert.equal(await page.locator('main i').count(), 0);
    await page.close();
  });

  it('shows new traces without a reload', async () => {
    const page = await open('#/traces');
    await page.waitForSelector('#traces tbody tr');
    await page.evaluate(() => (window.loadedOnce = true));
    const before = await page.locator('#traces tbody tr').count();
    await send(demoTrace(6));
    await page.waitForSelector('#traces tr[data-trace-id="demo-trace-6"]');
    assert.equal(await page.locator('#traces tbody tr').count(), before + 1);
    assert.equal(await page.evaluate(() => window.loadedOnce), true, 'the same page, not a reload');
    await page.close();
  });

  it("shows each span's logs from /logs under the span, and nothing when /logs answers 404", async () => {
    const [front, backend] = demoTrace(1);
    const logs = {
      logs: [
        { service: 'demo-backend', instance: 'backend-1', endpoint: 'GET:/orders/:id', timestamp: base + 1008, level: 'INFO', body: 'order <1> loaded',
          tags: { module: 'orders' }, traceContext: { traceId: 'demo-trace-1', traceSegmentId: backend.traceSegmentId, spanId: 0 } },
        { service: 'demo-front', instance: 'front-1', endpoint: 'GET:/checkout/:id', timestamp: base + 1003, level: 'WARN', body: 'slow backend',
          tags: {}, traceContext: { traceId: 'demo-trace-1', traceSegmentId: front.traceSegmentId, spanId: 1 } },
        { service: 'demo-backend', instance: 'backend-1', endpoint: '', timestamp: base + 1009, level: 'ERROR', body: 'from a span not received',
          tags: {}, traceContext: { traceId: 'demo-trace-1', traceSegmentId: 'elsewhere', spanId: 3 } },
      ],
    };
    const page = await browser.newPage();
    watch(page);
    const asked: string[] = [];
    await page.route('**/logs?*', (route) => {
      asked.push(new URL(route.request().url()).searchParams.get('traceId')!);
      return route.fulfill({ json: logs });
    });
    await page.goto(`${http}/#/trace/demo-trace-1`);
    await page.waitForSelector('ul.span-logs');
    assert.equal(asked[0], 'demo-trace-1');
    assert.deepEqual(await page.locator(`ul[data-logs-for="${backend.traceSegmentId}S0"] li`).allTextContents(),
      [`${timeOf(base + 1008)} INFO order <1> loaded  module=orders`]);
    assert.match(await page.locator(`ul[data-logs-for="${front.traceSegmentId}S1"] li`).textContent() ?? '', /WARN slow backend/);
    // The log row follows its span's row.
    const order = await page.$$eval('#waterfall > *', (nodes) => nodes.map((n) => n.getAttribute('data-span-key') ?? `logs:${n.getAttribute('data-logs-for')}`));
    assert.equal(order[order.indexOf(`logs:${backend.traceSegmentId}S0`) - 1], `${backend.traceSegmentId}S0`);
    assert.match(await page.locator('#unlinked-logs').textContent() ?? '', /from a span not received/);
    await screenshot(page, 'web-view-trace');

    await page.unroute('**/logs?*');
    await page.route('**/logs?*', (route) => route.fulfill({ status: 404, json: { error: 'not found' } }));
    await page.reload();
    await page.waitForSelector('#waterfall .span');
    assert.equal(await page.locator('.span-logs').count(), 0);
    assert.equal(await page.locator('main .err').count(), 0, 'no error message');
    await page.close();
  });

  it('shows instances with their properties, and a chart per meter from /meters; no meters when /meters answers 404', async () => {
    const now = Date.now();
    const history = (from: number, step: number) => Array.from({ length: 12 }, (_, i) => [now - (11 - i) * 10_000, from + i * step + (i % 3) * step]);
    const meters = {
      instances: [
        {
          service: 'demo-backend', instance: 'backend-1', lastReportAt: now,
          meters: [
            { name: 'instance_nodejs_cpu_usage', labels: {}, kind: 'single', value: 3.5, history: history(1, 0.25) },
            { name: 'instance_nodejs_heap_used', labels: { unit: '<bytes>' }, kind: 'single', value: 24_000_000, history: history(20_000_000, 300_000) },
            { name: 'instance_nodejs_event_loop_delay', labels: {}, kind: 'histogram', buckets: [{ bucket: 0, count: 50 }, { bucket: 10, count: 12 }, { bucket: 50, count: 3 }], history: history(40, 2) },
          ],
        },
        { service: 'demo-front', instance: 'front-1', lastReportAt: now, meters: [{ name: 'instance_nodejs_active_handles', labels: {}, kind: 'single', value: 7, history: [[now, 7]] }] },
      ],
    };
    const page = await browser.newPage();
    watch(page);
    let served: unknown = meters;
    await page.route('**/meters', (route) => route.fulfill({ json: served }));
    await page.goto(`${http}/#/instances`);
    await page.waitForSelector('.meter');
    const backend = page.locator('section.instance[data-instance="backend-1"]');
    assert.deepEqual(await backend.locator('dt').allTextContents(), ['language', 'Process No.', 'hostname']);
    assert.equal(await backend.locator('dd').nth(2).textContent(), 'demo-host');
    assert.deepEqual(await backend.locator('.meter').evaluateAll((ms) => ms.map((m) => m.getAttribute('data-meter'))),
      ['instance_nodejs_cpu_usage', 'instance_nodejs_heap_used', 'instance_nodejs_event_loop_delay']);
    const cpu = backend.locator('.meter[data-meter="instance_nodejs_cpu_usage"]');
    assert.equal((await cpu.locator('polyline').getAttribute('points'))!.split(' ').length, 12);
    assert.equal(await cpu.locator('.meter-value').textContent(), '3.50');
    assert.equal(await backend.locator('.meter[data-meter="instance_nodejs_heap_used"] .meter-value').textContent(), '24.0M');
    assert.equal(await backend.locator('.meter[data-meter="instance_nodejs_heap_used"] .meta').textContent(), 'unit=<bytes>');
    assert.equal(await backend.locator('.meter[data-meter="instance_nodejs_event_loop_delay"] .histogram rect').count(), 3);
    assert.equal(await backend.locator('.meter[data-meter="instance_nodejs_event_loop_delay"] .meter-value').textContent(), '65 samples');
    // An instance known only from its meters is listed too.
    assert.equal(await page.locator('section.instance[data-instance="front-1"] .meter').count(), 1);
    await screenshot(page, 'web-view-instances');

    // Meters change without segments: the view follows them without a reload.
    const later = structuredClone(meters);
    later.instances[1].meters[0].value = 9;
    later.instances[1].meters[0].history.push([now + 10_000, 9]);
    served = later;
    const handles = page.locator('section.instance[data-instance="front-1"] .meter-value');
    await page.waitForFunction(() => document.querySelector('section.instance[data-instance="front-1"] .meter-value')?.textContent === '9');
    assert.equal((await handles.textContent()), '9');
    assert.equal((await page.locator('section.instance[data-instance="front-1"] polyline').getAttribute('points'))!.split(' ').length, 2);

    await page.unroute('**/meters');
    await page.route('**/meters', (route) => route.fulfill({ status: 404, json: { error: 'not found' } }));
    await page.reload();
    await page.waitForSelector('section.instance');
    assert.equal(await page.locator('.meters, .meter').count(), 0);
    assert.equal(await page.locator('section.instance').count(), 1, 'only the instance that reported properties');
    assert.equal(await page.locator('section.instance dt').count(), 3);
    await page.close();
  });

  it('shows logs and meters the collector received over gRPC: under their span, and as charts of its instance', async () => {
    const [front] = demoTrace(7);
    await send([front]);
    const logs = logClient(grpcAddress);
    const meters = meterClient(grpcAddress);
    try {
      await sendLogs(logs, [{
        timestamp: base + 7003, service: 'demo-front', serviceInstance: 'front-1', endpoint: front.spans[0].operationName, layer: 'GENERAL',
        body: { text: { text: 'calling <backend>' } }, tags: { data: [{ key: 'level', value: 'INFO' }] },
        traceContext: { traceId: 'demo-trace-7', traceSegmentId: front.traceSegmentId, spanId: 1 },
      }]);
      for (const heap of [10, 12, 11]) {
        await sendMeters(meters, meterReport('demo-front', 'front-1', [singleMeter('instance_nodejs_heap_used', heap * 1024 * 1024), singleMeter('instance_nodejs_process_cpu', heap / 10)]));
      }
    } finally {
      logs.close();
      meters.close();
    }
    const page = await open('#/trace/demo-trace-7');
    await page.waitForSelector(`ul[data-logs-for="${front.traceSegmentId}S1"] li`);
    assert.match(await page.locator(`ul[data-logs-for="${front.traceSegmentId}S1"] li`).textContent() ?? '', /INFO calling <backend>/);
    assert.equal(await page.locator('ul.span-logs b, ul.span-logs backend').count(), 0, 'the log body is text');
    await page.goto(`${http}/#/instances`);
    const heap = page.locator('section.instance[data-instance="front-1"] .meter[data-meter="instance_nodejs_heap_used"]');
    await heap.waitFor();
    assert.equal((await heap.locator('polyline').getAttribute('points'))!.split(' ').length, 3);
    assert.equal(await heap.locator('.meter-value').textContent(), '11.5M');
    assert.equal(await page.locator('section.instance[data-instance="front-1"] .meter[data-meter="instance_nodejs_process_cpu"]').count(), 1);
    await page.close();
  });
});

const pageErrors: string[] = [];
let origin = 'http://collector.invalid/';

/** Records what the page throws; checked after each test. */
function watch(page: Page): void {
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // The page works offline: it asks nothing of any host but the collector.
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) pageErrors.push(`requested ${request.url()}`);
  });
}

function location(page: Page): string {
  return page.url();
}

/** The page's time format (the browser runs in this process's time zone). */
function timeOf(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
