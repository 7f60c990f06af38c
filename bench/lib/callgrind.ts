// Counting a process's instructions with valgrind's callgrind, for the *-instructions benches: the
// process runs under valgrind, its counters are zeroed after a warm-up and dumped after the
// measured work, and the dump's totals (all threads, garbage collection included) are summed.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { flagOption } from './harness';

/**
 * V8's collection heuristics depend on time, and under valgrind time runs ~50× slower: the young
 * generation's size and idle-time (memory reducer) collections varied from run to run, and one
 * full collection more or less moved a count by 15 %. A fixed young generation (16 MB semi-spaces,
 * V8's largest default) and no memory reducer make the collections counted follow from what the
 * process allocates and keeps.
 */
export const GC_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16', '--no-memory-reducer'];

/** Whether valgrind is installed; says so when it is not (the bench then skips its counts). */
export function hasValgrind(): boolean {
  if (spawnSync('valgrind', ['--version']).status === 0) return true;
  console.log('valgrind is not installed (Debian: apt-get install valgrind); skipping the instruction counts');
  return false;
}

/** valgrind's arguments before the program: callgrind, writing its dumps to `outFile`(.N). */
export function callgrindArgs(outFile: string): string[] {
  return ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${outFile}`];
}

/** `-z` zeroes the counters of the process, `-d` dumps them. */
export function callgrindControl(flag: '-z' | '-d', pid: number): void {
  const result = spawnSync('callgrind_control', [flag, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${flag} failed: ${result.stderr}`);
}

/**
 * The end of a measured window: dumps the counters of `pid` into `dir` and returns the instructions
 * per unit of work; with `--profile`, first prints where they went, under `label`.
 */
export function dumpPerUnit(dir: string, pid: number, units: number, unit: string, label: string, profile: boolean): number {
  callgrindControl('-d', pid);
  if (profile) console.log(`\n#### ${label}\n${namedProfile(dir, pid, units, unit)}`);
  return totalInstructions(dir) / units;
}

/** Ends a process run under valgrind and removes what it left: its dumps, and a perf map if any. */
export function discardRun(child: ChildProcess, dir: string): void {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  if (child.pid !== undefined) rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
}

/** The instructions counted in every dump written to `dir`. */
export function totalInstructions(dir: string): number {
  let total = 0;
  for (const file of dumps(dir)) {
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(file, 'utf8'));
    if (totals) total += Number(totals[1]);
  }
  return total;
}

/**
 * Node flags for `--profile`: V8 writes /tmp/perf-<pid>.map, a line per piece of JIT code (start,
 * size, name), which `namedProfile` reads to name the addresses callgrind only knows as numbers.
 * The log V8 then also keeps goes into `dir` (the dumps' directory), not the working directory.
 */
export function profileFlags(dir: string): string[] {
  return ['--perf-basic-prof', '--interpreted-frames-native-stack', `--logfile=${join(dir, 'v8.log')}`, '--no-logfile-per-isolate'];
}

/** The callgrind dumps in `dir` (callgrind.out.N). */
function dumps(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.startsWith('callgrind.out'))
    .map((file) => join(dir, file));
}

/** `--profile` on the command line: print where the instructions go. */
export function profileOption(): boolean {
  return flagOption('profile');
}

interface JitCode {
  start: number;
  end: number;
  name: string;
}

function readPerfMap(pid: number): JitCode[] {
  const path = `/tmp/perf-${pid}.map`;
  if (!existsSync(path)) return [];
  const code: JitCode[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match === null) continue;
    const start = parseInt(match[1], 16);
    // JS:*name file:line (optimized), ^ baseline, ~ interpreted: one row per function.
    code.push({ start, end: start + parseInt(match[2], 16), name: match[3].replace(/^JS:[*^~+]?/, 'JS ') });
  }
  return code.sort((a, b) => a.start - b.start);
}

/** The code at `address`; of overlapping entries (code space reused), the one logged last wins. */
function jitName(code: JitCode[], address: number): string {
  let lo = 0;
  let hi = code.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (code[mid].start <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = hi; i >= 0 && i > hi - 64; i--) if (address < code[i].end) return code[i].name;
  return 'JIT code (not in the perf map)';
}

/**
 * Entries callgrind_annotate lists with the whole thread's count even as their own (process and
 * thread entry points: V8's frames hide the returns callgrind tracks), left out of the profile.
 */
const THREAD_ROOTS =
  /(?:^|:)(?:main|\(below main\)|clone|start_thread|__libc_start_main\S*)$|node::NodeMainInstance::Run|node::SpinEventLoopInternal|node::Start\(|^0x[0-9a-f]+$/;

function annotated(file: string, inclusive: boolean): Array<[string, number]> {
  const args = ['--threshold=100', ...(inclusive ? ['--inclusive=yes'] : []), file];
  const result = spawnSync('callgrind_annotate', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const rows: Array<[string, number]> = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (match !== null && !match[2].startsWith('PROGRAM TOTALS')) rows.push([match[2], Number(match[1].replace(/,/g, ''))]);
  }
  return rows;
}

/**
 * Where the instructions of the dumps in `dir` went, per unit of work (`units` of them, each a
 * `unit`: message, request): the `top` functions by their own instructions and, for JavaScript,
 * with their callees. JIT code is named from the process's perf map (run it with profileFlags);
 * the map is removed afterwards.
 */
export function namedProfile(dir: string, pid: number, units: number, unit: string, top = 40): string {
  const code = readPerfMap(pid);
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
  const name = (raw: string): string => {
    const jit = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(raw);
    return jit !== null ? jitName(code, parseInt(jit[1], 16)) : raw.replace(/^\?\?\?:/, '').replace(/ \[[^\]]*\]$/, '');
  };
  const lines: string[] = [];
  for (const inclusive of [false, true]) {
    const totals = new Map<string, number>();
    for (const file of dumps(dir)) {
      for (const [raw, count] of annotated(file, inclusive)) {
        const key = name(raw);
        if (THREAD_ROOTS.test(key)) continue;
        // A JIT function can appear under several addresses (tiers, entry points) whose counts with
        // callees overlap: of those the largest is kept, never a sum. Own counts add up.
        totals.set(key, inclusive ? Math.max(totals.get(key) ?? 0, count) : (totals.get(key) ?? 0) + count);
      }
    }
    const rows = [...totals].filter(([key]) => !inclusive || key.startsWith('JS ')).sort((a, b) => b[1] - a[1]);
    lines.push(`\n${inclusive ? 'JavaScript functions with their callees' : 'Own instructions'}, per ${unit}:`);
    for (const [key, count] of rows.slice(0, top)) lines.push(`${(count / units).toFixed(0).padStart(9)}  ${key}`);
  }
  return lines.join('\n');
}
