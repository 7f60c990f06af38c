import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { DEFAULT_IGNORE_SUFFIXES, SkyWalkingSampler } from '../src';
import { parentContext, records } from './helpers';

describe('ignore rules (c)', () => {
  it('SW_IGNORE_SUFFIX defaults to the Node.js agent list', () => {
    assert.deepEqual(
      [...DEFAULT_IGNORE_SUFFIXES],
      ['.jpg', '.jpeg', '.js', '.css', '.png', '.bmp', '.gif', '.ico', '.mp3', '.mp4', '.html', '.svg'],
    );
    const sampler = new SkyWalkingSampler();
    for (const suffix of DEFAULT_IGNORE_SUFFIXES) {
      assert.equal(records(sampler, { attributes: { 'url.path': `/static/file${suffix}` } }), false, suffix);
    }
    assert.equal(records(sampler, { attributes: { 'url.path': '/static/file.json' } }), true);
    assert.equal(records(sampler, { attributes: { 'url.path': '/api/js' } }), true);
    assert.equal(sampler.getStats().notSampled.ignoredSuffix, DEFAULT_IGNORE_SUFFIXES.length);
  });

  it('suffixes: case-insensitive, the query string does not count, older http.target too', () => {
    const sampler = new SkyWalkingSampler({ ignoreSuffixes: '.map, .PDF' });
    assert.equal(records(sampler, { attributes: { 'url.path': '/a/app.js.MAP' } }), false);
    assert.equal(records(sampler, { attributes: { 'http.target': '/doc.pdf?download=1' } }), false);
    assert.equal(records(sampler, { attributes: { 'http.target': '/search?q=report.pdf' } }), true);
    // the defaults are replaced, not extended
    assert.equal(records(sampler, { attributes: { 'url.path': '/app.js' } }), true);
    const off = new SkyWalkingSampler({ ignoreSuffixes: [] });
    assert.equal(records(off, { attributes: { 'url.path': '/logo.png' } }), true);
  });

  it('suffixes apply to a span name only when it is a path', () => {
    const sampler = new SkyWalkingSampler();
    assert.equal(records(sampler, { name: '/favicon.ico', kind: SpanKind.INTERNAL }), false);
    assert.equal(records(sampler, { name: 'GET:/bundle.js' }), false);
    assert.equal(records(sampler, { name: 'render index.html', kind: SpanKind.INTERNAL }), true);
  });

  it('SW_HTTP_IGNORE_METHOD: either attribute name, any case, and the original of _OTHER', () => {
    const sampler = new SkyWalkingSampler({ ignoreMethods: 'options, head,PROPFIND' });
    assert.equal(records(sampler, { attributes: { 'http.request.method': 'OPTIONS', 'url.path': '/a' } }), false);
    assert.equal(records(sampler, { attributes: { 'http.method': 'HEAD', 'http.target': '/a' } }), false);
    assert.equal(records(sampler, { attributes: { 'http.request.method': 'head' } }), false);
    assert.equal(
      records(sampler, { attributes: { 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND' } }),
      false,
    );
    assert.equal(records(sampler, { attributes: { 'http.request.method': 'GET', 'url.path': '/a' } }), true);
    assert.equal(records(sampler, { name: 'OPTIONS:/cors' }), false);
    assert.equal(sampler.getStats().notSampled.ignoredMethod, 5);
  });

  it('SW_TRACE_IGNORE_PATH: globs over url.path, http.target (query ignored) or a path-like span name', () => {
    const sampler = new SkyWalkingSampler({ ignorePaths: '/health, /eureka/**, /api/*/ping, /v?/status' });
    const ignored = [
      { attributes: { 'url.path': '/health' } },
      { attributes: { 'http.target': '/health?probe=liveness' } },
      { attributes: { 'url.path': '/eureka' } },
      { attributes: { 'url.path': '/eureka/apps/delta' } },
      { attributes: { 'url.path': '/api/orders/ping' } },
      { attributes: { 'url.path': '/v2/status' } },
      { name: '/health', kind: SpanKind.INTERNAL },
      { name: 'GET:/eureka/apps' },
    ];
    for (const span of ignored) assert.equal(records(sampler, span), false, JSON.stringify(span));
    const kept = [
      { attributes: { 'url.path': '/healthz' } },
      { attributes: { 'url.path': '/api/orders/items/ping' } },
      { attributes: { 'url.path': '/v10/status' } },
      { attributes: { 'http.target': '/orders?next=/health' } },
      { name: 'GET:/orders' },
    ];
    for (const span of kept) assert.equal(records(sampler, span), true, JSON.stringify(span));
    assert.equal(sampler.getStats().notSampled.ignoredPath, ignored.length);
  });

  it('SW_TRACE_IGNORE_PATH: METHOD:/path globs (the Node.js agent matches operation names) check the method too', () => {
    const sampler = new SkyWalkingSampler({ ignorePaths: ['GET:/health', '*:/metrics/**'] });
    assert.equal(records(sampler, { attributes: { 'http.request.method': 'GET', 'url.path': '/health' } }), false);
    assert.equal(records(sampler, { attributes: { 'http.request.method': 'POST', 'url.path': '/health' } }), true);
    assert.equal(records(sampler, { attributes: { 'http.method': 'PUT', 'url.path': '/metrics/jvm' } }), false);
    assert.equal(records(sampler, { name: 'get:/health' }), false);
    assert.equal(records(sampler, { name: 'GET:/healthz' }), true);
  });

  it('SW_TRACE_IGNORE_PATH: on a span without HTTP attributes the glob is tried on its name', () => {
    const sampler = new SkyWalkingSampler({ ignorePaths: 'cron-*,RabbitMQ/**' });
    assert.equal(records(sampler, { name: 'cron-cleanup', kind: SpanKind.INTERNAL }), false);
    assert.equal(records(sampler, { name: 'RabbitMQ/orders/created/Consumer', kind: SpanKind.CONSUMER }), false);
    assert.equal(records(sampler, { name: 'orders process', kind: SpanKind.CONSUMER }), true);
  });

  it('rules decide where a trace starts, never under a sampled parent', () => {
    const sampler = new SkyWalkingSampler({ ignorePaths: '/health', ignoreMethods: 'OPTIONS' });
    const attributes = { 'url.path': '/health', 'http.request.method': 'OPTIONS' };
    assert.equal(records(sampler, { context: parentContext(true, false), attributes }), true);
    assert.equal(records(sampler, { context: parentContext(true, true), attributes }), true);
    assert.equal(records(sampler, { attributes }), false);
  });

  it('rules run before the window, so ignored requests do not use it up', () => {
    const sampler = new SkyWalkingSampler({ samplePer3Secs: 1, ignorePaths: '/health', clock: () => 0 });
    for (let i = 0; i < 10; i++) records(sampler, { attributes: { 'url.path': '/health' } });
    assert.equal(records(sampler, { attributes: { 'url.path': '/orders' } }), true);
    assert.equal(sampler.getStats().notSampled.limit, 0);
  });
});
