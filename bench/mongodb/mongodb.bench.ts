// MongoDB operations per second through a real MongoDB-wire server (jongodb, or MONGODB_URL):
// uninstrumented, with @otel-skywalking/instrumentation-mongodb, and with
// @opentelemetry/instrumentation-mongodb 0.76.0, same run. Drivers 7.x (promise-based connection
// path) and 4.x (callback path), each installed under its npm alias. Each variant lives in its own
// process (both instrumentations patch the driver's prototypes); the parent runs one round at a
// time in each process in turn, rotating the order, so that load changes on the machine hit all
// variants alike. Reported: the median of the rounds, the median of the per-round ratios (rounds
// next to each other compared), and the client's CPU time per operation.
//
// Every operation runs inside a parent span (the contrib instrumentation traces nothing without
// one), through a BatchSpanProcessor with an exporter that drops, so the figures are the cost of
// the instrumentation, not of exporting. Two workloads:
// - concurrent: 32 callers over a pool of 8, a mix of insertOne, findOne, updateOne, a find read
//   in batches (find + getMores), aggregate and countDocuments;
// - sequential: one caller, the same mix: the latency each operation gains;
// - sampled 10%: the concurrent workload with ParentBased(TraceIdRatio(0.1)), as production
//   services often run: what the instrumentation costs for the 90% of operations not recorded.
// Goal (issue 7): >= 0.9x uninstrumented, and not slower than the contrib one.
//
//   node bench/build/mongodb/mongodb.bench.js [--seconds 1] [--rounds 8]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CountingExporter } from '../lib/counting-exporter';
import { numberOption, stringOption } from '../lib/harness';

const VARIANTS = ['uninstrumented', '@otel-skywalking/instrumentation-mongodb', '@opentelemetry/instrumentation-mongodb'] as const;
type Variant = (typeof VARIANTS)[number];
const DRIVERS = ['mongodb7', 'mongodb4'] as const;
type DriverAlias = (typeof DRIVERS)[number];

const DOCS = 50;

interface Workload {
  name: 'concurrent' | 'sequential' | 'sampled 10%';
  callers: number;
  poolSize: number;
  /** Share of the callers' root spans sampled. */
  ratio: number;
}

const WORKLOADS: Workload[] = [
  { name: 'concurrent', callers: 32, poolSize: 8, ratio: 1 },
  { name: 'sequential', callers: 1, poolSize: 1, ratio: 1 },
  { name: 'sampled 10%', callers: 32, poolSize: 8, ratio: 0.1 },
];

interface RoundResult {
  workload: Workload['name'];
  opsPerSec: number;
  /** Client process CPU time (user + system) per application operation, in microseconds. */
  cpuMicrosPerOp: number;
  spans: number;
  /** Operations that failed (counted apart from ops; jongodb hiccups, never expected). */
  failures: number;
}

/** Child process: sets up one variant on one driver; returns a function that runs one round of a workload. */
async function prepareVariant(variant: Variant, alias: DriverAlias, uri: string): Promise<(workload: Workload, durationMs: number) => Promise<RoundResult>> {
  // Required here, not imported at the top: the instrumentation must be in place before the driver loads.
  const { context, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  type Provider = InstanceType<typeof BasicTracerProvider>;

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new CountingExporter();
  const providers = new Map<number, Provider>();
  const providerFor = (ratio: number): Provider => {
    let provider = providers.get(ratio);
    if (provider === undefined) {
      provider = new BasicTracerProvider({
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
        spanProcessors: [new BatchSpanProcessor(exporter)],
      });
      providers.set(ratio, provider);
    }
    return provider;
  };
  let instrumentation: { setTracerProvider(provider: Provider): void } | undefined;

  if (variant === '@otel-skywalking/instrumentation-mongodb') {
    const { MongoDBInstrumentation } =
      require('@otel-skywalking/instrumentation-mongodb') as typeof import('@otel-skywalking/instrumentation-mongodb');
    instrumentation = new MongoDBInstrumentation({ moduleName: alias });
  } else if (variant === '@opentelemetry/instrumentation-mongodb') {
    const contrib = require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
    // It matches the module name `mongodb` only: point its definitions at the alias.
    class Aliased extends contrib.MongoDBInstrumentation {
      override init() {
        const definitions = super.init();
        for (const definition of definitions) {
          (definition as { name: string }).name = alias;
          for (const file of definition.files) file.name = file.name.replace(/^mongodb\//, `${alias}/`);
        }
        return definitions;
      }
    }
    instrumentation = new Aliased();
  }

  const driver = require(alias) as typeof import('mongodb7');
  const major = Number((require(`${alias}/package.json`) as { version: string }).version.split('.')[0]);
  async function round(workload: Workload, durationMs: number): Promise<RoundResult> {
    const provider = providerFor(workload.ratio);
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    instrumentation?.setTracerProvider(provider);
    const tracer = provider.getTracer('bench');
    const client = new driver.MongoClient(uri, {
      maxPoolSize: workload.poolSize,
      // jongodb ends streamed heartbeats early, which makes drivers >= 6 clear their pool now and then
      ...(major >= 6 ? { serverMonitoringMode: 'poll' as const } : {}),
    });
    await client.connect();
    // reads go to a collection of fixed size, writes to others: jongodb drops the connection when
    // a scan races a write on the same collection
    const items = client.db('bench').collection<{ _id: number; n: number; name: string }>('items');
    const counters = client.db('bench').collection<{ _id: number; n: number }>('counters');
    const inserted = client.db('bench').collection<{ n: number; name: string }>('inserted');
    await Promise.all([items.deleteMany({}), counters.deleteMany({}), inserted.deleteMany({})]);
    await items.insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: i, n: i, name: `item-${i}` })));
    await counters.insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: i, n: 0 })));
    let next = 0;
    const operations: Array<() => Promise<unknown>> = [
      () => inserted.insertOne({ n: next++, name: 'new' }),
      () => items.findOne({ _id: next % DOCS }),
      () => counters.updateOne({ _id: next % DOCS }, { $inc: { n: 1 } }),
      () => items.find({ n: { $gte: 0 } }, { batchSize: 5 }).limit(20).toArray(),
      () => items.aggregate([{ $match: { n: { $gte: 10 } } }, { $limit: 5 }]).toArray(),
      () => items.countDocuments({ n: { $gte: 0 } }),
    ];
    let ops = 0;
    let failures = 0;
    let stopAt = 0;
    const caller = async (offset: number): Promise<void> => {
      for (let i = offset; performance.now() < stopAt; i++) {
        const operation = operations[i % operations.length]!;
        await tracer.startActiveSpan('request', (span) =>
          operation().then(
            () => ops++,
            () => failures++,
          ).finally(() => span.end()),
        );
      }
    };
    const callers = (): Promise<void[]> => Promise.all(Array.from({ length: workload.callers }, (_, i) => caller(i)));
    stopAt = performance.now() + durationMs / 4; // warm-up
    await callers();
    await provider.forceFlush();
    ops = 0;
    failures = 0;
    exporter.spans = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    stopAt = start + durationMs;
    await callers();
    const elapsed = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    await provider.forceFlush();
    await client.close();
    return {
      workload: workload.name,
      opsPerSec: (ops * 1000) / elapsed,
      cpuMicrosPerOp: (cpu.user + cpu.system) / ops,
      spans: Math.round((exporter.spans / ops) * 100) / 100,
      failures,
    };
  }

  return round;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** jongodb, the MongoDB-wire server the tests use, on a free port; or MONGODB_URL. */
async function startServer(): Promise<{ uri: string; child?: ChildProcess }> {
  if (process.env.MONGODB_URL) return { uri: process.env.MONGODB_URL };
  const binary = join(dirname(require.resolve('@jongodb/memory-server-bin-linux-x64-gnu/package.json')), 'bin', 'jongodb');
  const child = spawn(binary, ['--host=127.0.0.1', `--port=${await freePort()}`, '--database=bench'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^JONGODB_URI=(\S+)/m.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`jongodb exited with ${code}`)));
  });
  return { uri, child };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A child process running one variant, driven round by round over IPC. */
class VariantProcess {
  private readonly child: ChildProcess;
  private pending: ((result: RoundResult) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;
  private readonly ready: Promise<void>;

  constructor(readonly variant: Variant, alias: DriverAlias, uri: string) {
    this.child = fork(__filename, ['--variant', variant, '--driver', alias, '--uri', uri], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => {
        const error = new Error(`${variant} exited with ${code}`);
        reject(error);
        this.failed?.(error);
      });
      this.child.on('message', (message: { ready?: true; result?: RoundResult }) => {
        if (message.ready) resolve();
        else if (message.result) this.pending?.(message.result);
      });
    });
  }

  async round(workload: Workload, durationMs: number): Promise<RoundResult> {
    await this.ready;
    const result = new Promise<RoundResult>((resolve, reject) => {
      this.pending = resolve;
      this.failed = reject;
    });
    this.child.send({ workload: workload.name, durationMs });
    return result;
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.disconnect();
  }
}

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 1);
  const rounds = numberOption('rounds', 8);
  const { uri, child } = await startServer();
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  try {
    for (const alias of DRIVERS) {
      const processes = VARIANTS.map((variant) => new VariantProcess(variant, alias, uri));
      const version = (require(`${alias}/package.json`) as { version: string }).version;
      try {
        for (const workload of WORKLOADS) {
          const samples = new Map<Variant, RoundResult[]>(VARIANTS.map((v) => [v, []]));
          for (const p of processes) await p.round(workload, (seconds * 1000) / 2); // warm-up
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < processes.length; i++) {
              const p = processes[(r + i) % processes.length]!;
              samples.get(p.variant)!.push(await p.round(workload, seconds * 1000));
            }
          }
          const rowsOf = (variant: Variant): RoundResult[] => samples.get(variant)!;
          const base = rowsOf('uninstrumented');
          // rounds of the variants ran next to each other: compare them pairwise, which cancels the
          // machine's slow drifts, then take the median
          const ratio = (variant: Variant): number => median(rowsOf(variant).map((r, i) => r.opsPerSec / base[i]!.opsPerSec));
          const extraCpu = (variant: Variant): number =>
            median(rowsOf(variant).map((r, i) => r.cpuMicrosPerOp - base[i]!.cpuMicrosPerOp));
          console.log(
            `\n### mongodb ${version}, ${workload.name}: ${workload.callers} caller(s), pool of ${workload.poolSize}, ${workload.ratio * 100}% of operations sampled; ${rounds} rounds of ${seconds} s\n`,
          );
          console.log('| variant | ops/s (median) | ratio to uninstrumented (median of per-round ratios) | client CPU µs/op | extra CPU µs/op (median of per-round differences) | spans/op | failed ops |');
          console.log('|---|---:|---:|---:|---:|---:|---:|');
          for (const variant of VARIANTS) {
            const results = rowsOf(variant);
            console.log(
              `| ${variant} | ${fmt(median(results.map((r) => r.opsPerSec)))} | ${ratio(variant).toFixed(2)}× | ${median(results.map((r) => r.cpuMicrosPerOp)).toFixed(1)} | ${extraCpu(variant).toFixed(1)} | ${median(results.map((r) => r.spans))} | ${results.reduce((n, r) => n + r.failures, 0)} |`,
            );
          }
          const ours = ratio('@otel-skywalking/instrumentation-mongodb');
          const contrib = ratio('@opentelemetry/instrumentation-mongodb');
          const oursToContrib = median(
            rowsOf('@otel-skywalking/instrumentation-mongodb').map((r, i) => r.opsPerSec / rowsOf('@opentelemetry/instrumentation-mongodb')[i]!.opsPerSec),
          );
          console.log(
            `\nmongodb ${version} ${workload.name}: ours / uninstrumented ${ours.toFixed(2)}x (goal >= 0.90x: ${ours >= 0.9 ? 'met' : 'NOT met'}); contrib / uninstrumented ${contrib.toFixed(2)}x; ours / contrib ${oursToContrib.toFixed(2)}x (goal >= 1.00x: ${oursToContrib >= 1 ? 'met' : 'NOT met'})`,
          );
        }
      } finally {
        for (const p of processes) p.stop();
      }
    }
  } finally {
    child?.kill('SIGTERM');
  }
}

const variantAt = process.argv.indexOf('--variant');
if (variantAt >= 0) {
  prepareVariant(process.argv[variantAt + 1] as Variant, stringOption('driver') as DriverAlias, stringOption('uri')!).then(
    (round) => {
      process.on('message', (message: { workload: Workload['name']; durationMs: number }) => {
        const workload = WORKLOADS.find((w) => w.name === message.workload)!;
        void round(workload, message.durationMs).then((result) => process.send!({ result }));
      });
      process.send!({ ready: true });
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
