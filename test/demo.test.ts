// The demo is the project's main job: run it the way `npm start -- --once` does and check what it
// prints: every request traced across services, the failing one marked, no violation, topology.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

describe('the demo', () => {
  it('prints joined traces, the failing request and the topology, with no violation', async () => {
    const child = spawn(process.execPath, [resolve(__dirname, '../../demo/run.mjs'), '--once'], {
      env: { ...process.env, DEMO_HTTP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, out);
    assert.match(out, /validation: 0 violation\(s\)/, out);
    assert.match(out, /GET \/checkout\/fail -> 502/);
    assert.match(out, /✗ ERROR/);
    const traces = Number(/(\d+) traces, as SkyWalking shows them/.exec(out)?.[1]);
    assert.ok(traces >= 5, out);
    assert.match(out, /User -> demo-front/);
    const [, received, linked] = /logs: (\d+) pino lines received, (\d+) linked/.exec(out) ?? [];
    assert.ok(Number(linked) >= 10 && Number(received) >= Number(linked), `pino logs reached the collector, linked to their spans: ${out}`);
    assert.match(out, /demo-front -> demo-backend .*server\+client|demo-front -> demo-backend .*client\+server/);
    assert.match(out, /demo-backend -> 127\.0\.0\.1:\d+ +\[VIRTUAL_DATABASE, MongoDB/);
    // The Node.js runtime meters of each service, as the OAP's instance dashboard gets them.
    assert.match(out, /meters demo-front \/ \S+: process_cpu=\S+ heap_used=\S+MiB/);
    assert.match(out, /meters demo-backend \/ \S+: process_cpu=/);
    if (/RabbitMQ: SKIPPED/.test(out)) {
      assert.doesNotMatch(out, /demo-consumer/);
    } else {
      assert.match(out, /demo-consumer +Entry +RabbitMQ\/\/demo-orders-\d+\/Consumer/);
      assert.match(out, /demo-backend -> 127\.0\.0\.1:5672 +\[VIRTUAL_MQ, rabbitmq-producer/);
    }
  });
});
