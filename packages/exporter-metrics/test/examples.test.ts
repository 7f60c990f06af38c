// The README's example runs against the collector, and the MAL rule file names what it sends.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { startCollector } from './helpers';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

it('examples/checkout-meters.js reports its meters and the runtime meters', async () => {
  const { collector, address } = await startCollector();
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(EXAMPLES, 'checkout-meters.js')], { env: { ...process.env, SW_AGENT_COLLECTOR_BACKEND_SERVICES: address } }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    assert.match(stdout, /^\d+ meters sent$/m);
    const [instance] = collector.meters({ service: 'checkout', instance: 'checkout-1' });
    const names = instance.meters.map((m) => m.name);
    assert.ok(names.includes('instance_nodejs_heap_used'));
    assert.deepEqual(instance.meters.find((m) => m.name === 'checkout_orders')?.labels, { payment_method: 'card' });
    assert.equal(instance.meters.find((m) => m.name === 'checkout_basket_size')?.kind, 'histogram');

    // Every meter a rule's expression starts from is one the example sends.
    const rules = readFileSync(join(EXAMPLES, 'checkout-meters.yaml'), 'utf8');
    const sources = [...rules.matchAll(/^\s+exp: ([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]);
    assert.deepEqual(sources, ['checkout_orders', 'checkout_basket_size']);
    for (const source of sources) assert.ok(names.includes(source), source);
  } finally {
    await collector.close();
  }
});
