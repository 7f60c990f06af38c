/** The README's example (test/fixtures/tracing.ts and app.ts, verbatim) run as the README says, against the collector. */
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import { it } from 'node:test';

it('the README example traces an app with node --require ./tracing.js app.js', async () => {
  const collector = new SkyWalkingCollector();
  const { grpc } = await collector.start();
  const fixtures = join(__dirname, 'fixtures');
  const app = spawn(process.execPath, ['--require', join(fixtures, 'tracing.js'), join(fixtures, 'app.js')], {
    env: { ...process.env, SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NAME: 'readme-shop' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      app.stdout!.on('data', (chunk: Buffer) => {
        const match = /listening on (\d+)/.exec(String(chunk));
        if (match) resolve(Number(match[1]));
      });
      app.on('exit', (code) => reject(new Error(`the app exited (${code})`)));
    });
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/orders/1', headers: { 'x-tenant': 'acme' } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, 'order /orders/1 confirmed');
    const trace = await collector.waitFor((c) => c.traces().find((t) => t.services.includes('readme-shop')), 15_000);
    const spans = trace.segments.flatMap((s) => s.spans);
    // the ignored /health request has no entry span; the call to it is the exit span
    assert.deepEqual(spans.map((s) => s.operationName).sort(), ['/health', 'GET:/orders/1']);
    assert.ok(spans.some((s) => s.tags?.some((t) => t.key === 'http.request.header.x-tenant')), 'the captured header is a tag');
    assert.deepEqual(collector.violations({ traceId: trace.traceId }), []);
  } finally {
    app.kill('SIGTERM');
    await collector.close();
  }
});
