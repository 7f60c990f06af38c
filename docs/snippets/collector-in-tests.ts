import assert from 'node:assert/strict';
import { SkyWalkingCollector } from '@otel-skywalking/collector';

const collector = new SkyWalkingCollector();            // 127.0.0.1, a free port
const { grpc } = await collector.start();               // e.g. '127.0.0.1:40123'
// ... point the code under test at `grpc` and make it do a request ...
const trace = await collector.waitFor((c) => c.traces().find((t) => t.spanCount >= 3), 10_000);
assert.equal(trace.roots.length, 1);                    // one tree, no fragments
assert.equal(trace.roots[0].span.operationName, 'GET:/orders');
assert.deepEqual(collector.violations({ severity: 'error' }), []);
assert.ok(collector.topology().some((e) => e.source === 'shop' && e.target === 'stock' && e.detectPoints.length === 2));
await collector.close();
