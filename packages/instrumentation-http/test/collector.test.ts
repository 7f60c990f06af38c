/**
 * End to end through real sockets: an http service calling an https service, traced by this
 * instrumentation, exported by SkyWalkingSpanProcessor to the project's collector, which checks the
 * segments against the rules the OAP relies on.
 */
process.env.SW_AGENT_NAME = 'http-e2e-service';

import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getRPCMetadata } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpInstrumentation } from '../src';

const instrumentation = new HttpInstrumentation();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(createSkyWalkingPropagator());
// required after the instrumentation hooked require
const http = require('node:http') as typeof import('node:http');
const https = require('node:https') as typeof import('node:https');

/** SkyWalking's SpanType values. */
const ENTRY = 0;
const EXIT = 1;

describe('http and https through SkyWalkingSpanProcessor to the collector', () => {
  const collector = new SkyWalkingCollector();
  let processor: SkyWalkingSpanProcessor;
  let front: import('node:http').Server;
  let back: import('node:https').Server;
  let certDir = '';

  before(async () => {
    const address = (await collector.start()).grpc;
    processor = new SkyWalkingSpanProcessor({ collector: address, scheduledDelayMillis: 50, heartbeatIntervalMillis: 0 });
    instrumentation.setTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }));
    certDir = mkdtempSync(join(tmpdir(), 'otelsw-http-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    back = https.createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (_req, res) => {
      res.end('{"available":3}');
    });
    await new Promise<void>((resolve) => back.listen(0, '127.0.0.1', resolve));
    const backPort = (back.address() as AddressInfo).port;
    front = http.createServer((req, res) => {
      // as a framework instrumentation does when its router matched
      getRPCMetadata(context.active())!.route = '/orders/:id';
      https
        .get({ host: '127.0.0.1', port: backPort, path: '/stock', rejectUnauthorized: false }, (down) => {
          let body = '';
          down.on('data', (chunk: Buffer) => (body += chunk));
          down.on('end', () => res.end(`{"order":"${req.url}","stock":${body}}`));
        })
        .on('error', () => {
          res.statusCode = 502;
          res.end();
        });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    instrumentation.disable();
    front?.close();
    back?.close();
    await processor?.shutdown();
    await collector.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('gives one trace of joined segments, named by route, with no OAP rule broken', async () => {
    const port = (front.address() as AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/orders/7' }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, '{"order":"/orders/7","stock":{"available":3}}');
    // the test's own call is a client span too: three segments (caller, front, back) in one trace
    const trace = await collector.waitFor((c) => c.traces().find((t) => t.segments.length === 3), 10_000);
    assert.equal(trace.missingParents.length, 0, 'every segment is joined to its caller');
    assert.deepEqual(collector.violations({ traceId: trace.traceId }), []);
    const spans = trace.segments.flatMap((s) => s.spans);
    const entries = spans.filter((s) => s.spanType === ENTRY).map((s) => s.operationName).sort();
    assert.deepEqual(entries, ['GET:/orders/:id', 'GET:/stock']);
    const exits = spans.filter((s) => s.spanType === EXIT);
    assert.equal(exits.length, 2);
    assert.ok(
      exits.some((s) => s.peer === `127.0.0.1:${(back.address() as AddressInfo).port}`),
      `the https call's peer is the back service: ${exits.map((s) => s.peer).join(', ')}`,
    );
  });
});
