// The HTTP app of exporter-http.bench, measured in instructions instead of seconds: each variant's
// process runs under valgrind's callgrind, which counts the instructions it executes (all of its
// threads, garbage collection included) and gives the same count for the same work whatever else
// the machine is doing. Timed throughput on a shared 2-core machine moves by ±15 % between runs;
// this moves by under 1 %. Per variant: WARMUP requests (JIT, connections), counters zeroed, then
// REQUESTS requests, counters dumped: instructions per request. One variant at a time.
// The apps run with fixed garbage-collection flags (GC_FLAGS in callgrind.ts says why).
// --profile also prints, per variant, where its instructions went: functions by their own count
// and JavaScript functions with their callees, JIT code named from V8's perf map.
// Needs valgrind (Debian: apt-get install valgrind). Takes about 12 minutes.
//
//   node bench/build/exporter/exporter-instructions.bench.js [--requests 6000] [--warmup 3000] [--only 'noop,skywalking'] [--profile]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GC_FLAGS, callgrindArgs, callgrindControl, discardRun, dumpPerUnit, hasValgrind, profileFlags, profileOption } from '../lib/callgrind';
import { HTTP_APP_VARIANTS, loadCount, startDownstream, startSinkProcess } from './exporter-load';
import { numberOption, onlyOption } from '../lib/harness';

const VARIANTS = HTTP_APP_VARIANTS;

async function instructionsPerRequest(
  variant: string,
  env: Record<string, string>,
  warmup: number,
  requests: number,
  profile: boolean,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `otelsw-callgrind-${variant}-`));
  const out = join(dir, 'callgrind.out');
  const child = spawn(
    'valgrind',
    [...callgrindArgs(out), process.execPath, ...GC_FLAGS, ...(profile ? profileFlags(dir) : []), join(__dirname, 'exporter-http-app.js')],
    { env: { ...process.env, SW_AGENT_LOGGING_LEVEL: 'error', ...env, VARIANT: variant }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr!.resume();
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        buffered += chunk;
        const ready = /^READY (\d+)$/m.exec(buffered);
        if (ready) resolve(Number(ready[1]));
      });
      child.on('exit', (code) => reject(new Error(`${variant} exited (${code}) before it was ready`)));
    });
    await loadCount(port, warmup, 16);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last batch leave
    callgrindControl('-z', child.pid!);
    const ok = await loadCount(port, requests, 16);
    if (ok !== requests) console.log(`warning: ${variant} answered ${requests - ok} requests with an error`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return dumpPerUnit(dir, child.pid!, requests, 'request', variant, profile);
  } finally {
    discardRun(child, dir);
  }
}

async function main(): Promise<void> {
  if (!hasValgrind()) return;
  const requests = Math.floor(numberOption('requests', 6000));
  const warmup = Math.floor(numberOption('warmup', 3000));
  const profile = profileOption();
  const sink = await startSinkProcess();
  const downstream = await startDownstream();
  const env = { SW_COLLECTOR: sink.address, OTLP_COLLECTOR: sink.address, DOWNSTREAM: String(downstream.port) };
  const counts = new Map<string, number>();
  try {
    // One at a time: two apps under valgrind at once on a 2-core machine changed the counts (an app
    // that gets less CPU runs more of its timer-driven work per request).
    for (const variant of onlyOption(VARIANTS.map(([name]) => name))) {
      counts.set(variant, await instructionsPerRequest(variant, env, warmup, requests, profile));
    }
  } finally {
    downstream.close();
    sink.stop();
  }
  const base = counts.get('noop');
  console.log(`\n### Exporter: HTTP app, instructions per request (callgrind, ${GC_FLAGS.join(' ')}; ${warmup} warm-up requests, then ${requests})\n`);
  console.log('| variant | instructions/request | ratio to no-op |');
  console.log('|---|---:|---:|');
  for (const [variant, label] of VARIANTS) {
    const n = counts.get(variant);
    if (n === undefined) continue;
    console.log(`| ${label} | ${Math.round(n).toLocaleString('en-US')} | ${base === undefined ? '–' : `${(n / base).toFixed(3)}×`} |`);
  }
  const skywalking = counts.get('skywalking');
  if (base === undefined || skywalking === undefined) return;
  const ours = skywalking / base;
  console.log(`\ncost against the no-op processor ${((ours - 1) * 100).toFixed(1)}% of instructions (goal <= 5%): ${ours <= 1.05 ? 'met' : 'NOT met'}`);
}

void main();
