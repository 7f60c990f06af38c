// The consumers of amqplib.bench, measured in instructions instead of seconds: each variant's
// consumer process runs under valgrind's callgrind, which counts the instructions it executes (all
// of its threads, garbage collection included), the same count for the same work whatever else
// the machine is doing. The timed benchmark shares two cores with RabbitMQ and moves by ±15 %
// between runs; this shows what each variant costs the consumer's process per message.
// This process publishes (uninstrumented, outside valgrind) the messages each variant's consumer
// would get: with the trace headers an instrumented producer writes, filler of the same size, or
// none. The consumer acks each message after a microtask, prefetch 100 (the cpu-bound workload).
// Per variant: WARMUP messages (JIT, connection), counters zeroed, MESSAGES more, counters dumped.
// The consumers run with the exporter instruction bench's garbage-collection flags (a fixed young
// generation, no memory reducer), so that collections follow from what each variant allocates.
// --profile also prints, per variant, where its instructions went: functions by their own count
// and JavaScript functions with their callees, JIT code named from V8's perf map.
// Needs valgrind (Debian: apt-get install valgrind) and RabbitMQ. Takes about 9 minutes.
//
//   node bench/build/amqplib/amqplib-instructions.bench.js [--messages 6000] [--warmup 3000] [--only 'name part,…'] [--profile]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BODY,
  BROKER_URL,
  BY_HAND,
  CONTEXT_IN_USE,
  CONTRIB,
  OURS,
  OURS_UNSAMPLED,
  SAME_HEADERS,
  SAME_SIZE,
  VARIANTS,
  messageHeaders,
  setUpVariant,
  type Variant,
} from './amqplib-variants';
import { GC_FLAGS, callgrindArgs, callgrindControl, discardRun, dumpPerUnit, hasValgrind, profileFlags, profileOption } from '../lib/callgrind';
import { numberOption, onlyOption } from '../lib/harness';

const PREFETCH = 100;
/** The consumer reports its count every this many messages. */
const REPORT_EVERY = 500;

/** Child: consumes `queue` for the variant and prints `CONSUMED n` every REPORT_EVERY messages. */
async function consumer(variant: Variant, queue: string): Promise<void> {
  const setup = setUpVariant(variant);
  const connection = await setup.amqp.connect(BROKER_URL);
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  let consumed = 0;
  await channel.consume(queue, setup.handler(queue, async (msg) => {
    if (msg === null) return;
    await Promise.resolve();
    channel.ack(msg);
    if (++consumed % REPORT_EVERY === 0) process.stdout.write(`CONSUMED ${consumed}\n`);
  }));
  process.stdout.write('READY\n');
}

async function instructionsPerMessage(variant: Variant, warmup: number, messages: number, profile: boolean): Promise<number> {
  const amqp = require('amqplib2') as typeof import('amqplib');
  const connection = await amqp.connect(BROKER_URL);
  const publisher = await connection.createChannel();
  const queue = `otelsw-instructions-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await publisher.assertQueue(queue, { durable: false });
  const headers = messageHeaders(variant);
  const publish = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      if (!publisher.sendToQueue(queue, BODY, { messageId: String(i), headers })) {
        await new Promise((resolve) => publisher.once('drain', resolve));
      }
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'otelsw-callgrind-amqplib-'));
  const out = join(dir, 'callgrind.out');
  const child = spawn(
    'valgrind',
    [...callgrindArgs(out), process.execPath, ...GC_FLAGS, ...(profile ? profileFlags(dir) : []), __filename, '--child', variant, queue],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.resume();
  let consumed = 0;
  let ready = false;
  let exited = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'READY') ready = true;
    else if (line.startsWith('CONSUMED ')) consumed = Number(line.slice(9));
  });
  child.on('exit', () => {
    exited = true;
  });
  const until = async (done: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 600_000;
    while (!done()) {
      if (exited) throw new Error(`${variant}: the consumer exited while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`${variant}: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await until(() => ready, 'the consumer');
    await publish(warmup);
    await until(() => consumed >= warmup, 'the warm-up messages');
    await new Promise((resolve) => setTimeout(resolve, 500)); // the last acks and a batch export
    callgrindControl('-z', child.pid!);
    await publish(messages);
    await until(() => consumed >= warmup + messages, 'the measured messages');
    await new Promise((resolve) => setTimeout(resolve, 200));
    return dumpPerUnit(dir, child.pid!, messages, 'message', variant, profile);
  } finally {
    discardRun(child, dir);
    await publisher.deleteQueue(queue).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  if (!hasValgrind()) return;
  const messages = Math.floor(numberOption('messages', 6000));
  const warmup = Math.floor(numberOption('warmup', 3000));
  const chosen = onlyOption(VARIANTS);
  const profile = profileOption();
  const counts = new Map<Variant, number>();
  if (chosen.length < VARIANTS.length) {
    // Without every baseline there is no table: the counts alone.
    for (const variant of chosen) console.log(`${variant}: ${Math.round(await instructionsPerMessage(variant, warmup, messages, profile))} instructions/message`);
    return;
  }
  // One at a time: two processes under valgrind at once on a 2-core machine change the counts.
  for (const variant of VARIANTS) counts.set(variant, await instructionsPerMessage(variant, warmup, messages, profile));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(
    `\n### amqplib consumer, instructions per message (callgrind, ${GC_FLAGS.join(' ')}; prefetch ${PREFETCH}, ack after a microtask; ${warmup} warm-up messages, then ${messages})\n`,
  );
  const base = counts.get(SAME_HEADERS)!;
  console.log('| variant | instructions/message | ratio to uninstrumented with the trace headers | extra instructions/message |');
  console.log('|---|---:|---:|---:|');
  for (const variant of VARIANTS) {
    const n = counts.get(variant)!;
    console.log(`| ${variant} | ${fmt(n)} | ${(n / base).toFixed(3)}× | ${fmt(n - base)} |`);
  }
  const ours = counts.get(OURS)!;
  const contrib = counts.get(CONTRIB)!;
  const inUse = counts.get(CONTEXT_IN_USE)!;
  const byHand = counts.get(BY_HAND)!;
  console.log(
    `\nours: ${fmt(ours - inUse)} instructions per message over the same messages with the context in use, contrib ${fmt(contrib - inUse)}; ours / contrib ${(ours / contrib).toFixed(3)}×; sampling 0: ${fmt(counts.get(OURS_UNSAMPLED)! - inUse)}; messages as large without trace headers: ${fmt(counts.get(SAME_SIZE)! - counts.get('uninstrumented')!)} over the small ones`,
  );
  console.log(
    `a span by hand with OpenTelemetry's API: ${fmt(byHand - inUse)} over the context in use; ours adds ${fmt(ours - byHand)} to that (ours / by hand ${(ours / byHand).toFixed(3)}×)`,
  );
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  consumer(process.argv[childAt + 1] as Variant, process.argv[childAt + 2]).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
