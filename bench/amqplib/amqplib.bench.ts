// Consumed messages per second through a real RabbitMQ (127.0.0.1:5672, or AMQP_URL) with amqplib
// 2.x: uninstrumented, with @otel-skywalking/instrumentation-amqplib, and with
// @opentelemetry/instrumentation-amqplib, same run. Each variant runs in its own process (both
// instrumentations patch the same prototypes); the variants alternate, and the median of their
// rounds is reported, with the consumer's CPU time per message. Two workloads:
// - cpu-bound: an async handler that only acks, prefetch 100: nothing but messaging runs, so this
//   shows the whole per-message cost of tracing (spans, context, propagation). With RabbitMQ on
//   the same cores, the broker's work per message sets the pace and the consumer's CPU competes
//   with it;
// - io-bound: a handler that waits 1 ms (as a database write would), prefetch 10: throughput is
//   set by the handler, as in most consumers; tracing shows up as CPU time only.
// Rows without instrumentation separate what the broker pays from what tracing costs: messages
// as large as traced ones but without trace headers (RabbitMQ's cost per message steps up once a
// message outgrows about 64 bytes), messages with the same trace headers (traceparent, sw8,
// sw8-x), and the same in a process where OpenTelemetry's context is in use. A row with a span
// per message written by hand against OpenTelemetry's API shows what OpenTelemetry itself costs.
// Every variant publishes its messages through an uninstrumented client (amqplib 0.10, which no
// variant patches), so producer spans never add to what a consumer is measured for.
// Goal (issue 6): >= 0.9x uninstrumented, and not slower than the contrib one.
//
//   node bench/build/amqplib/amqplib.bench.js [--messages 10000] [--passes 2]
import { spawnSync } from 'node:child_process';
import {
  BODY,
  BROKER_URL,
  BY_HAND,
  CONTEXT_IN_USE,
  CONTRIB,
  OURS,
  SAME_HEADERS,
  SAME_SIZE,
  VARIANTS,
  messageHeaders,
  setUpVariant,
  type Variant,
} from './amqplib-variants';
import { numberOption } from '../lib/harness';

const WARMUP_MESSAGES = 2_000;
const ROUNDS_PER_PROCESS = 3;

interface Workload {
  name: 'cpu-bound' | 'io-bound';
  prefetch: number;
  /** Milliseconds the handler waits before it acks; 0: a microtask only. */
  handlerWaitMs: number;
  /** Share of --messages used per round. */
  share: number;
}

const WORKLOADS: Workload[] = [
  { name: 'cpu-bound', prefetch: 100, handlerWaitMs: 0, share: 1 },
  { name: 'io-bound', prefetch: 10, handlerWaitMs: 1, share: 0.25 },
];

interface RoundResult {
  workload: Workload['name'];
  consumedPerSec: number;
  /** Consumer process CPU time (user + system) per consumed message, in microseconds. */
  cpuMicrosPerMessage: number;
  spans: number;
}


/** Child process: sets up one variant, then publishes and consumes `messages` per round. */
async function runVariant(variant: Variant, messages: number): Promise<RoundResult[]> {
  const setup = setUpVariant(variant);
  const headers = messageHeaders(variant);
  const connection = await setup.amqp.connect(BROKER_URL);
  // Not instrumented in any variant (they patch the amqplib2 alias only): the same messages for all.
  const plain = require('amqplib') as typeof import('amqplib');
  const publishing = await plain.connect(BROKER_URL);
  const publisher = await publishing.createChannel();

  async function round(workload: Workload, count: number): Promise<RoundResult> {
    const consumer = await connection.createChannel();
    await consumer.prefetch(workload.prefetch);
    const queue = `otelsw-bench-${process.pid}-${Math.random().toString(36).slice(2)}`;
    // Not exclusive: the consumer is on the other connection. Expires if a crash leaves it behind.
    await publisher.assertQueue(queue, { durable: false, arguments: { 'x-expires': 600_000 } });
    for (let i = 0; i < count; i++) {
      if (!publisher.sendToQueue(queue, BODY, { messageId: String(i), headers })) {
        await new Promise((resolve) => publisher.once('drain', resolve));
      }
    }
    await publisher.checkQueue(queue); // a round trip: everything before it reached the broker

    let consumed = 0;
    const wait = workload.handlerWaitMs;
    const cpuStart = process.cpuUsage();
    const consumeStart = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      void consumer.consume(queue, setup.handler(queue, async (msg) => {
        if (msg === null) return;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else await Promise.resolve();
        consumer.ack(msg);
        if (++consumed === count) resolve();
      }));
    });
    const consumeNs = Number(process.hrtime.bigint() - consumeStart);
    const cpu = process.cpuUsage(cpuStart);
    await publisher.deleteQueue(queue);
    await consumer.close();
    await setup.forceFlush();
    return {
      workload: workload.name,
      consumedPerSec: (count * 1e9) / consumeNs,
      cpuMicrosPerMessage: (cpu.user + cpu.system) / count,
      spans: setup.spans(),
    };
  }

  const results: RoundResult[] = [];
  for (const workload of WORKLOADS) {
    const count = Math.max(100, Math.round(messages * workload.share));
    await round(workload, Math.min(WARMUP_MESSAGES, count));
    for (let i = 0; i < ROUNDS_PER_PROCESS; i++) {
      setup.resetSpans();
      results.push(await round(workload, count));
    }
  }
  await connection.close();
  await publishing.close();
  await setup.shutdown();
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const messages = Math.floor(numberOption('messages', 10_000));
  const passes = Math.floor(numberOption('passes', 2));
  const samples = new Map<Variant, RoundResult[]>(VARIANTS.map((v) => [v, []]));
  for (let pass = 0; pass < passes; pass++) {
    for (const variant of VARIANTS) {
      const child = spawnSync(process.execPath, [__filename, '--variant', variant, '--messages', String(messages)], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (child.status !== 0) throw new Error(`${variant} failed:\n${child.stderr}`);
      samples.get(variant)!.push(...(JSON.parse(child.stdout.trim().split('\n').pop()!) as RoundResult[]));
    }
  }
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  for (const workload of WORKLOADS) {
    const count = Math.max(100, Math.round(messages * workload.share));
    const rowsOf = (variant: Variant): RoundResult[] => samples.get(variant)!.filter((r) => r.workload === workload.name);
    const base = median(rowsOf('uninstrumented').map((r) => r.consumedPerSec));
    const sameSize = median(rowsOf(SAME_SIZE).map((r) => r.consumedPerSec));
    const withHeaders = median(rowsOf(SAME_HEADERS).map((r) => r.consumedPerSec));
    const inUse = median(rowsOf(CONTEXT_IN_USE).map((r) => r.consumedPerSec));
    const baseCpu = median(rowsOf('uninstrumented').map((r) => r.cpuMicrosPerMessage));
    console.log(
      `\n### ${workload.name}: prefetch ${workload.prefetch}, handler ${workload.handlerWaitMs === 0 ? 'acks after a microtask' : `waits ${workload.handlerWaitMs} ms, then acks`}; ${count} messages a round, median of ${passes * ROUNDS_PER_PROCESS} rounds\n`,
    );
    console.log('| variant | consumed msg/s | ratio to uninstrumented | consumer CPU µs/msg | extra CPU µs/msg | spans a round |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const consumedBy = new Map<Variant, number>();
    for (const variant of VARIANTS) {
      const rounds = rowsOf(variant);
      const consumed = median(rounds.map((r) => r.consumedPerSec));
      const cpu = median(rounds.map((r) => r.cpuMicrosPerMessage));
      consumedBy.set(variant, consumed);
      console.log(
        `| ${variant} | ${fmt(consumed)} | ${(consumed / base).toFixed(2)}× | ${cpu.toFixed(1)} | ${(cpu - baseCpu).toFixed(1)} | ${median(rounds.map((r) => r.spans))} |`,
      );
    }
    const ours = consumedBy.get(OURS)!;
    const contrib = consumedBy.get(CONTRIB)!;
    const byHand = consumedBy.get(BY_HAND)!;
    console.log(
      `\n${workload.name}: ours / uninstrumented ${(ours / base).toFixed(2)}x, / uninstrumented as large ${(ours / sameSize).toFixed(2)}x, / uninstrumented with the same headers ${(ours / withHeaders).toFixed(2)}x, / the same with the context in use ${(ours / inUse).toFixed(2)}x (goal >= 0.90x); ours / contrib ${(ours / contrib).toFixed(2)}x (goal >= 1.00x: ${ours >= contrib ? 'met' : 'NOT met'}); a span by hand / uninstrumented ${(byHand / base).toFixed(2)}x, ours / by hand ${(ours / byHand).toFixed(2)}x`,
    );
  }
}

const variantAt = process.argv.indexOf('--variant');
if (variantAt >= 0) {
  runVariant(process.argv[variantAt + 1] as Variant, Math.floor(numberOption('messages', 10_000))).then(
    (results) => process.stdout.write(`${JSON.stringify(results)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  main();
}
