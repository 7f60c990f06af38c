/**
 * The behaviour users rely on from an HTTP instrumentation (the facts contrib's own tests check),
 * run through both instrumentations with the same assertions: ours and @opentelemetry/instrumentation-http.
 * Real sockets on ephemeral ports, spans from an in-memory exporter.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, afterEach, describe, it } from 'node:test';
import { disableAll, exporter, IMPLEMENTATIONS, listen, request, settled, spans, tracer, type TestServer } from './helpers';

function one(all: ReadableSpan[], kind: SpanKind): ReadableSpan {
  const found = all.filter((span) => span.kind === kind);
  assert.equal(found.length, 1, `one ${SpanKind[kind]} span, got ${found.length}`);
  return found[0];
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const implementation of IMPLEMENTATIONS) {
  describe(`http behaviour: ${implementation.name}`, () => {
    afterEach(() => {
      disableAll();
      exporter.reset();
    });
    after(disableAll);

    it('a request gives a server span and a client span with the stable HTTP attributes, joined by the context headers', async () => {
      implementation.enable();
      let seen: http.IncomingHttpHeaders = {};
      const server = await listen((req, res) => {
        seen = req.headers;
        res.end('ok');
      });
      try {
        const answer = await request({ host: '127.0.0.1', port: server.port, path: '/orders/7?sort=asc', headers: { 'user-agent': 'parity/1' } });
        assert.equal(answer.body, 'ok');
        const all = await spans(2);
        const serverSpan = one(all, SpanKind.SERVER);
        const clientSpan = one(all, SpanKind.CLIENT);
        assert.equal(serverSpan.name, 'GET');
        assert.equal(clientSpan.name, 'GET');
        assert.equal(serverSpan.spanContext().traceId, clientSpan.spanContext().traceId);
        assert.equal(parentOf(serverSpan), clientSpan.spanContext().spanId);
        assert.match(String(seen.traceparent), new RegExp(clientSpan.spanContext().spanId));
        assert.ok(typeof seen.sw8 === 'string', 'the sw8 header went out through the global propagator');
        assert.deepEqual(
          { ...serverSpan.attributes, 'network.peer.port': 0 },
          {
            'http.request.method': 'GET',
            'url.scheme': 'http',
            'url.path': '/orders/7',
            'url.query': 'sort=asc',
            'server.address': '127.0.0.1',
            'server.port': server.port,
            'network.peer.address': '127.0.0.1',
            'network.peer.port': 0,
            'network.protocol.version': '1.1',
            'user_agent.original': 'parity/1',
            'client.address': '127.0.0.1',
            'http.response.status_code': 200,
          },
        );
        assert.deepEqual(
          { ...clientSpan.attributes },
          {
            'http.request.method': 'GET',
            'server.address': '127.0.0.1',
            'server.port': server.port,
            'url.full': `http://127.0.0.1:${server.port}/orders/7?sort=asc`,
            'user_agent.original': 'parity/1',
            'http.response.status_code': 200,
            'network.peer.address': '127.0.0.1',
            'network.peer.port': server.port,
            'network.protocol.version': '1.1',
          },
        );
        assert.equal(serverSpan.status.code, SpanStatusCode.UNSET);
        assert.equal(clientSpan.status.code, SpanStatusCode.UNSET);
      } finally {
        await server.close();
      }
    });

    it('the handler, its request body listeners and everything it awaits run in the server span context', async () => {
      implementation.enable();
      const downstream = await listen((_req, res) => res.end('down'));
      const seen: Record<string, string | undefined> = {};
      const server = await listen((req, res) => {
        seen.handler = trace.getActiveSpan()?.spanContext().spanId;
        let body = '';
        req.on('data', (chunk: Buffer) => {
          seen.data = trace.getActiveSpan()?.spanContext().spanId;
          body += chunk;
        });
        req.on('end', async () => {
          seen.end = trace.getActiveSpan()?.spanContext().spanId;
          await sleep(5);
          seen.awaited = trace.getActiveSpan()?.spanContext().spanId;
          await request({ host: '127.0.0.1', port: downstream.port, path: '/stock' });
          seen.afterCall = trace.getActiveSpan()?.spanContext().spanId;
          res.on('finish', () => (seen.finish = trace.getActiveSpan()?.spanContext().spanId));
          res.end(body);
        });
      });
      try {
        // the test's own request runs outside any span; the handler's is the one that counts
        const answer = await context.with(context.active(), () => request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/' }, 'payload'));
        assert.equal(answer.body, 'payload');
        const all = await spans(4);
        const serverSpan = all.find((s) => s.kind === SpanKind.SERVER && s.attributes['server.port'] === server.port)!;
        const id = serverSpan.spanContext().spanId;
        assert.deepEqual(seen, { handler: id, data: id, end: id, awaited: id, afterCall: id, finish: id });
        const downstreamCall = all.find((s) => s.kind === SpanKind.CLIENT && s.attributes['server.port'] === downstream.port)!;
        assert.equal(parentOf(downstreamCall), id, 'the outgoing call made after awaiting is a child of the server span');
      } finally {
        await server.close();
        await downstream.close();
      }
    });

    it("an outgoing request's callbacks run in the caller's context, not in the client span's", async () => {
      implementation.enable();
      const server = await listen((_req, res) => res.end('x'));
      try {
        const parent = tracer.startSpan('caller');
        const seen = await context.with(trace.setSpan(context.active(), parent), () =>
          new Promise<string[]>((resolve) => {
            const ids: string[] = [];
            http.get({ host: '127.0.0.1', port: server.port, path: '/' }, (res) => {
              ids.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
              res.resume();
              res.on('end', () => {
                ids.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
                resolve(ids);
              });
            });
          }),
        );
        parent.end();
        assert.deepEqual(seen, [parent.spanContext().spanId, parent.spanContext().spanId]);
        const clientSpan = one(await spans(3), SpanKind.CLIENT);
        assert.equal(parentOf(clientSpan), parent.spanContext().spanId);
      } finally {
        await server.close();
      }
    });

    it('status >= 500 is a server error; 4xx is an error on the client span only', async () => {
      implementation.enable();
      const server = await listen((req, res) => {
        res.statusCode = req.url === '/fail' ? 503 : 404;
        res.end();
      });
      try {
        await request({ host: '127.0.0.1', port: server.port, path: '/fail' });
        let all = await spans(2);
        assert.equal(one(all, SpanKind.SERVER).status.code, SpanStatusCode.ERROR);
        assert.equal(one(all, SpanKind.SERVER).attributes['http.response.status_code'], 503);
        assert.equal(one(all, SpanKind.CLIENT).status.code, SpanStatusCode.ERROR);
        exporter.reset();
        await request({ host: '127.0.0.1', port: server.port, path: '/missing' });
        all = await spans(2);
        assert.equal(one(all, SpanKind.SERVER).status.code, SpanStatusCode.UNSET);
        assert.equal(one(all, SpanKind.SERVER).attributes['http.response.status_code'], 404);
        assert.equal(one(all, SpanKind.CLIENT).status.code, SpanStatusCode.ERROR);
      } finally {
        await server.close();
      }
    });

    it('a route that a framework instrumentation sets through RPC metadata names the span and becomes http.route', async () => {
      implementation.enable();
      const server = await listen((_req, res) => {
        // what the Express, Koa and Fastify instrumentations do when a route matched
        const metadata = getRPCMetadata(context.active());
        assert.equal(metadata?.type, RPCType.HTTP);
        metadata!.route = '/users/:id';
        setTimeout(() => res.end('u'), 1);
      });
      try {
        await request({ host: '127.0.0.1', port: server.port, path: '/users/42' });
        const serverSpan = one(await spans(2), SpanKind.SERVER);
        assert.equal(serverSpan.attributes['http.route'], '/users/:id');
        assert.equal(serverSpan.name, 'GET /users/:id');
      } finally {
        await server.close();
      }
    });

    it('ignoreIncomingRequestHook: no server span, and the ignored handler traces nothing', async () => {
      implementation.enable({ ignoreIncomingRequestHook: (req) => req.url === '/health' });
      const downstream = await listen((_req, res) => res.end('d'));
      const server = await listen((_req, res) => {
        void request({ host: '127.0.0.1', port: downstream.port, path: '/' }).then(() => res.end('ok'));
      });
      try {
        await context.with(context.active(), () => request({ host: '127.0.0.1', port: server.port, path: '/health' }));
        const all = await settled();
        // the test's own client span, and a root server span at the downstream: the ignored handler's
        // call made no client span and sent no context
        assert.deepEqual(
          all.map((s) => [SpanKind[s.kind], s.attributes['server.port'], parentOf(s)]).sort(),
          [
            ['CLIENT', server.port, undefined],
            ['SERVER', downstream.port, undefined],
          ],
        );
      } finally {
        await server.close();
        await downstream.close();
      }
    });

    it('ignoreOutgoingRequestHook: no client span and no context headers', async () => {
      implementation.enable({ ignoreOutgoingRequestHook: (options) => options.path === '/skip' });
      let seen: http.IncomingHttpHeaders = {};
      const server = await listen((req, res) => {
        seen = req.headers;
        res.end();
      });
      try {
        await request({ host: '127.0.0.1', port: server.port, path: '/skip' });
        const all = await spans(1);
        await settled();
        assert.deepEqual(all.map((s) => SpanKind[s.kind]), ['SERVER']);
        assert.equal(seen.traceparent, undefined);
        assert.equal(seen.sw8, undefined);
        assert.equal(parentOf(all[0]), undefined);
      } finally {
        await server.close();
      }
    });

    it('captures the configured request and response headers on both sides', async () => {
      implementation.enable({
        headersToSpanAttributes: {
          server: { requestHeaders: ['X-Tenant'], responseHeaders: ['x-cache'] },
          client: { requestHeaders: ['x-tenant'], responseHeaders: ['X-Cache'] },
        },
      });
      const server = await listen((_req, res) => {
        res.setHeader('x-cache', 'hit');
        res.end();
      });
      try {
        await request({ host: '127.0.0.1', port: server.port, path: '/', headers: { 'x-tenant': 'acme' } });
        const all = await spans(2);
        for (const span of all) {
          assert.deepEqual(span.attributes['http.request.header.x-tenant'], ['acme'], SpanKind[span.kind]);
          assert.deepEqual(span.attributes['http.response.header.x-cache'], ['hit'], SpanKind[span.kind]);
        }
      } finally {
        await server.close();
      }
    });

    it('a refused connection ends the client span with the error', async () => {
      implementation.enable();
      const closed = await listen(() => {});
      const port = closed.port;
      await closed.close();
      await assert.rejects(request({ host: '127.0.0.1', port, path: '/' }), /ECONNREFUSED/);
      const clientSpan = one(await spans(1), SpanKind.CLIENT);
      assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
      assert.equal(clientSpan.attributes['error.type'], 'Error');
      assert.equal(clientSpan.events[0]?.name, 'exception');
    });

    it('a client timeout that destroys the request ends the client span with that error, and the server span once', async () => {
      implementation.enable();
      const server = await listen((_req, res) => {
        setTimeout(() => res.end('late'), 300);
      });
      try {
        await assert.rejects(
          new Promise((resolve, reject) => {
            const req = http.get({ host: '127.0.0.1', port: server.port, path: '/slow' }, resolve);
            req.setTimeout(30, () => req.destroy(new Error('gave up after 30 ms')));
            req.on('error', reject);
          }),
          /gave up/,
        );
        await sleep(400);
        const all = await settled();
        const clientSpan = one(all, SpanKind.CLIENT);
        assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
        assert.equal(clientSpan.status.message, 'gave up after 30 ms');
        one(all, SpanKind.SERVER); // ended exactly once, although its client went away
      } finally {
        await server.close();
      }
    });

    it('a client that aborts mid-request: the client span is an error, the server span ends once', async () => {
      implementation.enable();
      let handled!: () => void;
      const reached = new Promise<void>((resolve) => (handled = resolve));
      const server = await listen((_req, res) => {
        handled();
        setTimeout(() => res.end('late'), 100);
      });
      try {
        const req = http.get({ host: '127.0.0.1', port: server.port, path: '/' });
        const failed = new Promise((resolve) => req.on('error', resolve));
        await reached;
        req.destroy();
        await failed;
        await sleep(200);
        const all = await settled();
        assert.equal(one(all, SpanKind.CLIENT).status.code, SpanStatusCode.ERROR);
        one(all, SpanKind.SERVER);
      } finally {
        await server.close();
      }
    });

    it('keep-alive: requests reusing one connection each get their own spans, correctly parented', async () => {
      implementation.enable();
      const sockets = new Set<unknown>();
      const server = await listen((req, res) => {
        sockets.add(req.socket);
        res.end(req.url);
      });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const answers = await Promise.all([1, 2, 3].map((n) => request({ host: '127.0.0.1', port: server.port, path: `/${n}`, agent })));
        assert.deepEqual(answers.map((a) => a.body), ['/1', '/2', '/3']);
        assert.equal(sockets.size, 1, 'one connection served all three');
        const all = await spans(6);
        const servers = all.filter((s) => s.kind === SpanKind.SERVER);
        const clients = all.filter((s) => s.kind === SpanKind.CLIENT);
        assert.equal(servers.length, 3);
        for (const serverSpan of servers) {
          const clientSpan = clients.find((c) => c.spanContext().spanId === parentOf(serverSpan));
          assert.ok(clientSpan, 'each server span has its own client span as parent');
          assert.equal(clientSpan.attributes['url.full'], `http://127.0.0.1:${server.port}${serverSpan.attributes['url.path']}`);
        }
      } finally {
        agent.destroy();
        await server.close();
      }
    });

    it('Expect: 100-continue: headers set at construction still carry the context', async () => {
      implementation.enable();
      const server = await listen((req, res) => {
        req.resume();
        req.on('end', () => res.end('got it'));
      });
      try {
        const answer = await new Promise<string>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: server.port, method: 'PUT', path: '/upload', headers: { Expect: '100-continue' } },
            (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk));
              res.on('end', () => resolve(text));
            },
          );
          req.on('continue', () => req.end('body'));
          req.on('error', reject);
        });
        assert.equal(answer, 'got it');
        const all = await spans(2);
        assert.equal(parentOf(one(all, SpanKind.SERVER)), one(all, SpanKind.CLIENT).spanContext().spanId);
      } finally {
        await server.close();
      }
    });

    it('upgrade requests go through; the client span ends without error', async () => {
      implementation.enable();
      const server = await listen(
        (_req, res) => res.end(),
        (s) =>
          s.on('upgrade', (_req, socket) => {
            socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
          }),
      );
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: server.port, path: '/ws', headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
          req.on('upgrade', (res, socket) => {
            socket.destroy();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 101);
        const all = await spans(1);
        await settled();
        const clientSpan = one(all, SpanKind.CLIENT);
        assert.notEqual(clientSpan.status.code, SpanStatusCode.ERROR);
        assert.equal(all.filter((s) => s.kind === SpanKind.SERVER).length, 0);
      } finally {
        await server.close();
      }
    });

    it('disable() stops tracing and restores the module', async () => {
      const originals = { request: http.request, get: http.get };
      const instrumentation = implementation.enable();
      assert.notEqual(http.request, originals.request, 'enabled, request is patched');
      instrumentation.disable();
      assert.equal(http.request, originals.request);
      assert.equal(http.get, originals.get);
      let server: TestServer | undefined;
      try {
        server = await listen((req, res) => res.end(String(req.headers.traceparent)));
        const answer = await request({ host: '127.0.0.1', port: server.port, path: '/' });
        assert.equal(answer.body, 'undefined');
        assert.deepEqual(await settled(), []);
      } finally {
        await server?.close();
      }
    });
  });
}

