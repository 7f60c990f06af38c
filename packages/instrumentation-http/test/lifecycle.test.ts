/**
 * What is specific to this instrumentation: what disable() puts back, the diagnostics_channel
 * subscriptions, `checkContinue` handlers in the server span's context, sampled-out requests, and user
 * hooks that throw.
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getRPCMetadata } from '@opentelemetry/core';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import assert from 'node:assert/strict';
import * as diagnosticsChannel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { DIAGNOSTICS_CHANNELS, HttpInstrumentation } from '../src';

const exporter = new InMemorySpanExporter();
const instrumentation = new HttpInstrumentation();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
instrumentation.setTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(createSkyWalkingPropagator());
const http = require('node:http') as typeof import('node:http');
const https = require('node:https') as typeof import('node:https');

function ownEmit(prototype: object): boolean {
  return Object.prototype.hasOwnProperty.call(prototype, 'emit');
}

async function roundTrip(server: import('node:http').Server, options: import('node:http').RequestOptions = {}): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...options }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      if (options.headers && 'expect' in options.headers) req.on('continue', () => req.end('payload'));
      else req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('HttpInstrumentation lifecycle', () => {
  afterEach(() => {
    instrumentation.setConfig({});
    instrumentation.enable();
    exporter.reset();
  });

  it('disable() puts back every function it replaced, and unsubscribes from the channels; enable() traces again', async () => {
    assert.ok(ownEmit(http.Server.prototype) && ownEmit(http.IncomingMessage.prototype) && ownEmit(http.OutgoingMessage.prototype));
    assert.ok(diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.serverRequestStart).hasSubscribers);
    instrumentation.disable();
    // the prototypes had no emit of their own: after disable they have none again
    for (const prototype of [http.Server.prototype, https.Server.prototype, http.IncomingMessage.prototype, http.OutgoingMessage.prototype]) {
      assert.equal(ownEmit(prototype), false);
    }
    assert.equal(http.request.name, 'request');
    assert.ok(!http.request.toString().includes('traceOutgoing'), 'http.request is Node’s own');
    assert.ok(!https.get.toString().includes('traceOutgoing'), 'https.get is Node’s own');
    for (const name of Object.values(DIAGNOSTICS_CHANNELS)) assert.equal(diagnosticsChannel.channel(name).hasSubscribers, false, name);
    assert.equal(await roundTrip(http.createServer((_req, res) => res.end('plain'))), 'plain');
    assert.deepEqual(exporter.getFinishedSpans(), []);
    instrumentation.enable();
    assert.equal(await roundTrip(http.createServer((_req, res) => res.end('traced'))), 'traced');
    assert.deepEqual(exporter.getFinishedSpans().map((s) => SpanKind[s.kind]).sort(), ['CLIENT', 'SERVER']);
  });

  it('a checkContinue handler runs in the server span context', async () => {
    const server = http.createServer();
    let active: string | undefined;
    server.on('checkContinue', (req, res) => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      res.writeContinue();
      req.resume();
      req.on('end', () => res.end('continued'));
    });
    assert.equal(await roundTrip(server, { method: 'PUT', headers: { expect: '100-continue' } }), 'continued');
    const serverSpan = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    assert.ok(serverSpan);
    assert.equal(active, serverSpan.spanContext().spanId);
  });

  it('sampled out: nothing recorded, and the context (not sampled) still travels in the headers', async () => {
    instrumentation.setTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    try {
      let seen: import('node:http').IncomingHttpHeaders = {};
      let active: { traceId: string | undefined; recording: boolean | undefined; rpc: unknown } | undefined;
      const server = http.createServer((req, res) => {
        seen = req.headers;
        const span = trace.getSpan(context.active());
        active = { traceId: span?.spanContext().traceId, recording: span?.isRecording(), rpc: getRPCMetadata(context.active()) };
        res.end('unsampled');
      });
      assert.equal(await roundTrip(server), 'unsampled');
      assert.match(String(seen.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      assert.match(String(seen.sw8), /^0-/, 'sw8 says: not sampled');
      // the handler runs in the server span's (non-recording) context, which continues the caller's trace;
      // with nothing to record there is no RPC metadata for a framework's route
      assert.deepEqual(active, { traceId: String(seen.traceparent).split('-')[1], recording: false, rpc: undefined });
      assert.deepEqual(exporter.getFinishedSpans(), []);
    } finally {
      instrumentation.setTracerProvider(provider);
    }
  });

  it('hooks that throw are logged and ignored: the request is served and traced', async () => {
    const fail = () => {
      throw new Error('hook bug');
    };
    instrumentation.setConfig({
      ignoreIncomingRequestHook: fail,
      ignoreOutgoingRequestHook: fail,
      requestHook: fail,
      responseHook: fail,
      startIncomingSpanHook: fail,
      startOutgoingSpanHook: fail,
      applyCustomAttributesOnSpan: fail,
    });
    assert.equal(await roundTrip(http.createServer((_req, res) => res.end('fine'))), 'fine');
    assert.deepEqual(exporter.getFinishedSpans().map((s) => SpanKind[s.kind]).sort(), ['CLIENT', 'SERVER']);
  });
});
