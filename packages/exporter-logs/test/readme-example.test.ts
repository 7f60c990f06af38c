// The README's example is this fixture, verbatim: run it against our collector and check what arrives.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';

const example = join(__dirname, '../../test/fixtures/readme-example.js');

it('the README example runs and its log names its span', async () => {
  assert.ok(readFileSync(join(__dirname, '../../README.md'), 'utf8').includes(readFileSync(example, 'utf8').trim()), 'README holds the example verbatim');
  const collector = new SkyWalkingCollector();
  const { grpc } = await collector.start();
  try {
    const child = spawn(process.execPath, [example], { env: { ...process.env, SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).sent, 1);
    const [log] = collector.logs({ service: 'checkout' });
    const segment = await collector.waitFor((c) => c.segments().find((s) => s.service === 'checkout'));
    assert.deepEqual(log.traceContext, { traceId: segment.traceId, traceSegmentId: segment.traceSegmentId, spanId: 0 });
    assert.equal(log.body, 'order 42 paid');
  } finally {
    await collector.close();
  }
});
