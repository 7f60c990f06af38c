/**
 * A small benchmark harness: runs each candidate in alternating rounds within one process so that
 * ratios compare like with like, and reports the median time per operation.
 */
export interface Candidate {
  name: string;
  /** Runs one operation; the return value is kept so the work is not optimised away. */
  run: () => unknown;
}

export interface Result {
  name: string;
  nsPerOp: number;
  opsPerSec: number;
}

let sink: unknown;

export function measure(candidates: Candidate[], { rounds = 15, opsPerRound = 20_000 } = {}): Result[] {
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (const c of candidates) for (let i = 0; i < opsPerRound; i++) sink = c.run(); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const c of candidates) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < opsPerRound; i++) sink = c.run();
      samples.get(c.name)!.push(Number(process.hrtime.bigint() - start) / opsPerRound);
    }
  }
  void sink;
  return candidates.map((c) => {
    const sorted = samples.get(c.name)!.sort((a, b) => a - b);
    const nsPerOp = sorted[Math.floor(sorted.length / 2)];
    return { name: c.name, nsPerOp, opsPerSec: 1e9 / nsPerOp };
  });
}

/** Prints a markdown table with each result's ratio to the baseline (the first candidate). */
export function report(title: string, results: Result[]): void {
  const base = results[0];
  console.log(`\n### ${title}\n`);
  console.log('| candidate | ns/op | ops/s | ratio to ' + base.name + ' |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.nsPerOp.toFixed(0)} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${(r.nsPerOp / base.nsPerOp).toFixed(2)}× |`);
  }
}

// Options: every benchmark takes its options as command-line flags read here (`--name value`,
// `--flag`), never from environment variables. The environment is left for what a child process
// needs from its parent (VARIANT, SW_COLLECTOR, …) and for the servers' addresses the tests share
// (AMQP_URL, MONGODB_URL).

/** `--name value` from the command line: a positive number, else the fallback. */
export function numberOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * `--only 'a,b'`: the names that contain one of the comma-separated parts, in their order; all of
 * them without the option.
 */
export function onlyOption<T extends string>(names: readonly T[]): T[] {
  const at = process.argv.indexOf('--only');
  if (at < 0 || process.argv[at + 1] === undefined) return [...names];
  const parts = process.argv[at + 1].split(',').filter((part) => part !== '');
  return names.filter((name) => parts.some((part) => name.includes(part)));
}

/** `--name value` from the command line: the value as given, else undefined. */
export function stringOption(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** `--name` on the command line: true when present. */
export function flagOption(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
