#!/usr/bin/env node
// Runs every compiled test file with Node's test runner: packages/*/build/test/**/*.test.js and
// test/build/**/*.test.js. `--package NAME` limits the run to one package; other arguments are
// substrings a test file's path must contain.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
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
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-timeout=180000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
