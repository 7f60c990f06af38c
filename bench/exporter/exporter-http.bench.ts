// HTTP app throughput and p99 latency with OpenTelemetry's http instrumentation, per span pipeline:
// a no-op processor (the cost of instrumentation alone), core's SegmentTracker alone (the sw8
// bookkeeping every SkyWalking setup needs, shown to split the cost), SkyWalkingSpanProcessor, BatchSpanProcessor +
// OTLP gRPC exporter, and SkyWalking's own Node.js agent (skywalking-backend-js 0.9.0). Each app runs
// in its own process and calls an uninstrumented downstream service once per request; the
// collectors (one process of their own) accept and discard, identically for every variant. Rounds alternate between variants.
// Goals (issue 4): at most 5% throughput cost against the no-op processor; at least 1.5x the
// throughput of skywalking-backend-js.
// --seconds (default 15) is the measured time over all variants and rounds;
// --concurrency (default 16) the number of keep-alive clients.
//
//   node bench/build/exporter/exporter-http.bench.js [--seconds 15] [--concurrency 16]
import { HTTP_APP_VARIANTS, load, median, percentile, startApp, startDownstream, startSinkProcess, type App } from './exporter-load';
import { numberOption } from '../lib/harness';

const VARIANTS = HTTP_APP_VARIANTS;

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 15);
  const concurrency = Math.floor(numberOption('concurrency', 16));
  const rounds = 4;
  const roundMs = Math.max(250, Math.round((seconds * 1000) / (VARIANTS.length * rounds)));
  const sink = await startSinkProcess();
  const downstream = await startDownstream();
  const env = { SW_COLLECTOR: sink.address, OTLP_COLLECTOR: sink.address, DOWNSTREAM: String(downstream.port) };
  const apps: App[] = [];
  for (const [variant] of VARIANTS) apps.push(await startApp(variant, env));
  try {
    for (const app of apps) await load(app.port, 1000, concurrency, false); // warm-up (JIT, connections)
    const throughput = new Map<string, number[]>(VARIANTS.map(([v]) => [v, []]));
    const latencies = new Map<string, number[]>(VARIANTS.map(([v]) => [v, []]));
    const cpuPerRequest = new Map<string, number[]>(VARIANTS.map(([v]) => [v, []]));
    for (let round = 0; round < rounds; round++) {
      // a different order each round, so that no variant always follows the same one
      const order = apps.map((_, i) => apps[(i + round) % apps.length]);
      for (const app of order) {
        const cpuBefore = await app.cpu();
        const result = await load(app.port, roundMs, concurrency);
        cpuPerRequest.get(app.variant)!.push(((await app.cpu()) - cpuBefore) / Math.max(1, result.requests));
        throughput.get(app.variant)!.push(result.requests / result.seconds);
        latencies.get(app.variant)!.push(...result.latenciesMs);
        if (result.errors > 0) console.log(`warning: ${app.variant} answered ${result.errors} errors`);
      }
    }
    const base = median(throughput.get('noop')!);
    console.log(`\n### Exporter: HTTP app, ${concurrency} keep-alive clients, ${rounds} rounds of ${roundMs} ms per variant\n`);
    const baseCpu = median(cpuPerRequest.get('noop')!);
    console.log('| variant | requests/s (median) | ratio to no-op | p50 ms | p99 ms | app CPU µs/request | extra CPU µs/request |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [variant, label] of VARIANTS) {
      const rps = median(throughput.get(variant)!);
      const lat = latencies.get(variant)!;
      const cpu = median(cpuPerRequest.get(variant)!);
      console.log(
        `| ${label} | ${Math.round(rps).toLocaleString('en-US')} | ${(rps / base).toFixed(3)}× | ${percentile(lat, 50).toFixed(2)} | ` +
          `${percentile(lat, 99).toFixed(2)} | ${cpu.toFixed(0)} | ${(cpu - baseCpu).toFixed(0)} |`,
      );
    }
    const ours = median(throughput.get('skywalking')!);
    const agent = median(throughput.get('sw-agent')!);
    const otlp = median(throughput.get('otlp')!);
    console.log(`\nper-round requests/s: ${VARIANTS.map(([v]) => `${v} ${throughput.get(v)!.map((x) => Math.round(x)).join('/')}`).join('; ')}`);
    console.log(`cost against the no-op processor ${((1 - ours / base) * 100).toFixed(1)}% (goal <= 5%): ${ours / base >= 0.95 ? 'met' : 'NOT met'}`);
    console.log(`against skywalking-backend-js ${(ours / agent).toFixed(2)}x (goal >= 1.5x): ${ours / agent >= 1.5 ? 'met' : 'NOT met'}`);
    console.log(`against BatchSpanProcessor + OTLP gRPC ${(ours / otlp).toFixed(2)}x`);
    const received = await sink.stats();
    console.log(`collector sink received ${received.messages} messages, ${(received.bytes / 1048576).toFixed(1)} MiB`);
  } finally {
    for (const app of apps) app.stop();
    downstream.close();
    sink.stop();
  }
}

void main();
