// Counting a process's instructions with valgrind's callgrind, for the *-instructions benches: the
// process runs under valgrind, its counters are zeroed after a warm-up and dumped after the
// measured work, and the dump's totals (all threads, garbage collection included) are summed.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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

/** The instructions counted in every dump written to `dir`. */
export function totalInstructions(dir: string): number {
  let total = 0;
  for (const file of readdirSync(dir)) {
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (totals) total += Number(totals[1]);
  }
  return total;
}
