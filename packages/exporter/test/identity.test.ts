/**
 * The sw8 of spans that are sampled out (non-recording: no resource) names the service of the
 * provider's resource, not `unknown_service:node` with a random instance for the rest of the
 * process. Its own file: the local identity is process-wide.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, defaultTextMapSetter, trace, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { observeResource } from '@otel-skywalking/core';
import { Sw8Propagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSpanProcessor } from '../src';
import { providerFor } from './helpers';

const propagator = new Sw8Propagator();

/** sw8 fields 5 and 6 (service, instance) written for a sampled-out span. */
function unsampledNames(n: number): [string, string] {
  const span = trace.wrapSpanContext({
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    traceFlags: TraceFlags.NONE,
  });
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  const fields = carrier.sw8.split('-');
  return [Buffer.from(fields[4], 'base64').toString(), Buffer.from(fields[5], 'base64').toString()];
}

test('unsampled spans name the service of the resource once it is seen, not the first fallback for good', () => {
  delete process.env.OTEL_SERVICE_NAME;
  delete process.env.SW_AGENT_NAME;
  // Before any resource: the environment's names (the default here).
  assert.equal(unsampledNames(1)[0], 'unknown_service:node');
  const processor = new SkyWalkingSpanProcessor({ collector: '127.0.0.1:1', heartbeatIntervalMillis: 0 });
  const provider = providerFor('checkout', processor, 'checkout-7');
  provider.getTracer('t').startSpan('GET /').end();
  assert.deepEqual(unsampledNames(2), ['checkout', 'checkout-7']);
  void provider.shutdown();
});

test('a resource given to observeResource names unsampled spans from the first one on', async () => {
  // The one-line setup does this with its provider's resource before any span.
  const { spawnSync } = await import('node:child_process');
  const script = `
    const { observeResource } = require('@otel-skywalking/core');
    const { resourceFromAttributes } = require('@opentelemetry/resources');
    const { Sw8Propagator } = require('@otel-skywalking/propagator-sw8');
    const { ROOT_CONTEXT, defaultTextMapSetter, trace, TraceFlags } = require('@opentelemetry/api');
    observeResource(resourceFromAttributes({ 'service.name': 'billing', 'service.instance.id': 'billing-1' }));
    const span = trace.wrapSpanContext({ traceId: '1'.padStart(32, '0'), spanId: '1'.padStart(16, '0'), traceFlags: TraceFlags.NONE });
    const carrier = {};
    new Sw8Propagator().inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    const f = carrier.sw8.split('-');
    process.stdout.write(Buffer.from(f[4], 'base64').toString() + ' ' + Buffer.from(f[5], 'base64').toString());
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, encoding: 'utf8', env: { ...process.env, OTEL_SERVICE_NAME: '' } });
  assert.equal(run.stdout, 'billing billing-1', run.stderr);
  // the same call in this process, for the types
  assert.equal(observeResource(resourceFromAttributes({ 'service.name': 'x' })).service, 'x');
});
