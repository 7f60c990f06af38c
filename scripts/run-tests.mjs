#!/usr/bin/env node
// Runs every compiled test file with Node's test runner: packages/*/build/test/**/*.test.js and
// test/build/**/*.test.js. `--package NAME` limits the run to one package; other arguments are
// substrings a test file's path must contain.
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
let only;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--package') only = args[++i];
  else filters.push(args[i]);
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const dirs = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  if (only === undefined || only === pkg) dirs.push(join(root, 'packages', pkg, 'build', 'test'));
}
if (only === undefined) dirs.push(join(root, 'test', 'build'));
const files = dirs
  .flatMap((dir) => walk(dir, []))
  .filter((file) => filters.every((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files found: run the build first');
  process.exit(1);
}
console.log(`running ${files.length} test files:\n  ${files.map((f) => relative(root, f)).join('\n  ')}`);
// The installation test packs, installs apps with npm and compiles TypeScript: it runs on its own,
// with a longer bound than the others' 3 minutes (a busy shared machine can slow npm that much).
const slow = files.filter((f) => /install\.test\.js$/.test(f));
const runs = [
  [files.filter((f) => !slow.includes(f)), 180_000],
  [slow, 600_000],
];
let status = 0;
for (const [group, timeout] of runs) {
  if (group.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${timeout}`, ...group], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
