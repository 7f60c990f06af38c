// Memory over a collector outage: the HTTP app of exporter-http.bench under full load while the
// collector address refuses connections, sampling the app's RSS every second. SkyWalkingSpanProcessor
// against the same app with a no-op processor (what the app itself takes under this load),
// BatchSpanProcessor + OTLP gRPC and skywalking-backend-js 0.9.0 (whose OAP-down OOM is the anchor).
// Goal (issue 4): under 30 MB RSS growth over the run, flat after warm-up.
// --seconds (default 10) is the load time per variant (the figure is 60);
// --concurrency (default 16) the number of keep-alive clients.
//
//   node bench/build/exporter/exporter-outage.bench.js [--seconds 10] [--concurrency 16]
import { createServer } from 'node:net';
import { load, startApp, startDownstream } from './exporter-load';
import { numberOption } from '../lib/harness';

const VARIANTS: Array<[string, string]> = [
  ['noop', 'no-op processor (the app alone)'],
  ['skywalking', 'SkyWalkingSpanProcessor'],
  ['otlp', 'BatchSpanProcessor + OTLP gRPC'],
  ['sw-agent', 'skywalking-backend-js 0.9.0'],
];
const MB = 1024 * 1024;

async function refusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 10);
  const concurrency = Math.floor(numberOption('concurrency', 16));
  const down = await refusedAddress();
  const downstream = await startDownstream();
  const rows: string[] = [];
  const verdicts: string[] = [];
  const ends = new Map<string, number>();
  try {
    for (const [variant, label] of VARIANTS) {
      const app = await startApp(variant, { SW_COLLECTOR: down, OTLP_COLLECTOR: down, DOWNSTREAM: String(downstream.port) });
      try {
        const start = (await app.memory()).rss;
        const samples: number[] = [];
        const heap: number[] = [];
        let requests = 0;
        for (let s = 0; s < seconds; s++) {
          const round = await load(app.port, 1000, concurrency, false);
          requests += round.requests;
          const memory = await app.memory();
          samples.push(memory.rss);
          heap.push(memory.heapUsed);
        }
        // Warm-up: the first 30% of the run (JIT, pools, buffers filling up to their bounds).
        const warm = Math.max(1, Math.floor(seconds * 0.3));
        const afterWarmUp = samples[warm - 1];
        const end = samples[samples.length - 1];
        const peak = Math.max(...samples);
        const growth = (end - start) / MB;
        const drift = (end - afterWarmUp) / MB;
        rows.push(
          `| ${label} | ${Math.round(requests / seconds).toLocaleString('en-US')} | ${(start / MB).toFixed(1)} | ` +
            `${(afterWarmUp / MB).toFixed(1)} | ${(end / MB).toFixed(1)} | ${(peak / MB).toFixed(1)} | ${growth.toFixed(1)} | ${drift.toFixed(1)} |`,
        );
        ends.set(variant, end);
        if (variant === 'skywalking') {
          const overApp = (end - ends.get('noop')!) / MB;
          verdicts.push(`growth from the idle app ${growth.toFixed(1)} MB (goal < 30 MB): ${growth < 30 ? 'met' : 'NOT met'}`);
          verdicts.push(`above the same app with a no-op processor at the end ${overApp.toFixed(1)} MB (goal < 30 MB): ${overApp < 30 ? 'met' : 'NOT met'}`);
          verdicts.push(`after warm-up ${drift.toFixed(1)} MB over ${seconds - warm} s (flat: ${Math.abs(drift) < 10 ? 'yes' : 'no'})`);
        }
        console.log(`${variant}: RSS MB per second ${samples.map((x) => (x / MB).toFixed(0)).join(' ')}`);
        console.log(`${variant}: heap used MB per second ${heap.map((x) => (x / MB).toFixed(0)).join(' ')}`);
      } finally {
        app.stop();
      }
    }
  } finally {
    downstream.close();
  }
  console.log(`\n### Exporter: RSS over ${seconds} s of full load, collector down (connection refused)\n`);
  console.log('| variant | requests/s | RSS start MB | after warm-up MB | end MB | peak MB | growth MB | growth after warm-up MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log('');
  for (const verdict of verdicts) console.log(verdict);
}

void main();
