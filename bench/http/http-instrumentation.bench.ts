// The http instrumentation benchmark's app, timed: closed-loop throughput (16 keep-alive clients,
// alternating rounds), app CPU per request, p99 latency at a fixed open-loop rate, and the spans
// each variant delivered to the collector per request, so that throughput is compared at equal
// delivered work (a variant that drops spans under load is not doing the same job).
// Goals (issue 18): ours (lean) >= 1.3x the closed-loop requests/s of skywalking-backend-js tracing
// every request, p99 at 3,000 requests/s no worse than the agent's; sampled out >= 0.95x of no tracing.
// --seconds (default 40): closed-loop time over all variants and rounds; --rate (default 3000) and
// --open-seconds (default 4): the open-loop run per variant.
//
//   node bench/build/http/http-instrumentation.bench.js [--seconds 40] [--rate 3000] [--open-seconds 4]
//     [--only 'none,lean,sw-agent-all']
import { load, median, percentile, startDownstream } from '../exporter/exporter-load';
import { numberOption, onlyOption } from '../lib/harness';
import { VARIANTS, openLoop, startApp, startCountingSinkProcess, type App } from './http-load';

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 40);
  const rate = numberOption('rate', 3000);
  const openSeconds = numberOption('open-seconds', 4);
  const concurrency = 16;
  const rounds = 4;
  const variants = VARIANTS.filter(([v]) => onlyOption(VARIANTS.map(([name]) => name)).includes(v));
  const roundMs = Math.max(250, Math.round((seconds * 1000) / (variants.length * rounds)));
  const sink = await startCountingSinkProcess();
  const downstream = await startDownstream();
  const env = { SW_COLLECTOR: sink.address, OTLP_COLLECTOR: sink.address, DOWNSTREAM: String(downstream.port) };
  const apps: App[] = [];
  for (const [variant] of variants) apps.push(await startApp(variant, env));
  const throughput = new Map<string, number[]>(variants.map(([v]) => [v, []]));
  const cpu = new Map<string, number[]>(variants.map(([v]) => [v, []]));
  const delivered = new Map<string, number>();
  const open = new Map<string, { p50: number; p99: number; spans: number; ok: number }>();
  try {
    for (const app of apps) await load(app.port, 1500, concurrency, false); // warm-up (JIT, connections)
    await new Promise((resolve) => setTimeout(resolve, 6000));
    for (let round = 0; round < rounds; round++) {
      const order = apps.map((_, i) => apps[(i + round) % apps.length]);
      for (const app of order) {
        // one variant at a time talks to the sink, so the spans that arrive are its own
        const before = await sink.stats();
        const cpuBefore = await app.cpu();
        const result = await load(app.port, roundMs, concurrency, false);
        cpu.get(app.variant)!.push(((await app.cpu()) - cpuBefore) / Math.max(1, result.requests));
        throughput.get(app.variant)!.push(result.requests / result.seconds);
        await new Promise((resolve) => setTimeout(resolve, 6000)); // BatchSpanProcessor exports every 5 s
        const after = await sink.stats();
        delivered.set(app.variant, (delivered.get(app.variant) ?? 0) + (after.spans - before.spans) / Math.max(1, result.requests) / rounds);
        if (result.errors > 0) console.log(`warning: ${app.variant} answered ${result.errors} errors`);
      }
    }
    for (const app of apps) {
      const before = await sink.stats();
      const result = await openLoop(app.port, rate, openSeconds * 1000);
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const after = await sink.stats();
      open.set(app.variant, {
        p50: percentile(result.latenciesMs, 50),
        p99: percentile(result.latenciesMs, 99),
        spans: (after.spans - before.spans) / Math.max(1, result.ok),
        ok: result.ok / result.sent,
      });
    }
  } finally {
    for (const app of apps) app.stop();
    downstream.close();
    sink.stop();
  }
  const agent = median(throughput.get('sw-agent-all') ?? []);
  const none = median(throughput.get('none') ?? []);
  console.log(`\n### HTTP instrumentation: ${concurrency} keep-alive clients, ${rounds} rounds of ${roundMs} ms per variant; open loop at ${rate} requests/s for ${openSeconds} s\n`);
  console.log('| variant | requests/s (median) | ratio to skywalking-backend-js (every request) | ratio to no tracing | app CPU µs/request | spans delivered/request | p50 ms at ' + rate + '/s | p99 ms at ' + rate + '/s | spans delivered/request at ' + rate + '/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [variant, label] of variants) {
    const rps = median(throughput.get(variant)!);
    const o = open.get(variant)!;
    console.log(
      `| ${label} | ${Math.round(rps).toLocaleString('en-US')} | ${agent ? `${(rps / agent).toFixed(2)}×` : '–'} | ${none ? `${(rps / none).toFixed(2)}×` : '–'} | ` +
        `${median(cpu.get(variant)!).toFixed(0)} | ${(delivered.get(variant) ?? 0).toFixed(2)} | ${o.p50.toFixed(2)} | ${o.p99.toFixed(2)} | ${o.spans.toFixed(2)} |`,
    );
  }
  console.log(`\nper-round requests/s: ${variants.map(([v]) => `${v} ${throughput.get(v)!.map((x) => Math.round(x)).join('/')}`).join('; ')}`);
  const lean = median(throughput.get('lean') ?? []);
  if (lean && agent) console.log(`ours against skywalking-backend-js tracing every request: ${(lean / agent).toFixed(2)}x requests/s (goal >= 1.3x): ${lean / agent >= 1.3 ? 'met' : 'NOT met'}`);
  const leanOpen = open.get('lean');
  const agentOpen = open.get('sw-agent-all');
  if (leanOpen && agentOpen) {
    console.log(`p99 at ${rate}/s: ours ${leanOpen.p99.toFixed(2)} ms, the agent ${agentOpen.p99.toFixed(2)} ms (goal: no worse): ${leanOpen.p99 <= agentOpen.p99 ? 'met' : 'NOT met'}`);
  }
  const sampledOut = median(throughput.get('lean-sampled-out') ?? []);
  if (sampledOut && none) console.log(`ours sampled out: ${(sampledOut / none).toFixed(2)}x the requests/s of no tracing (goal >= 0.95x): ${sampledOut / none >= 0.95 ? 'met' : 'NOT met'}`);
}

void main();
