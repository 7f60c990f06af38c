#!/usr/bin/env node
// Runs every compiled benchmark (bench/build/<area>/*.bench.js) one after another, or those whose path
// relative to bench/build contains one of the arguments (a file name part or an area: `exporter/`).
// Each prints its own table of ratios against its anchors.
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(fileURLToPath(new URL('..', import.meta.url)), 'bench', 'build');
const filters = process.argv.slice(2);
const files = existsSync(dir)
  ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => f.split('\\').join('/'))
      .filter((f) => f.endsWith('.bench.js') && (filters.length === 0 || filters.some((x) => f.includes(x))))
      .sort()
  : [];
if (files.length === 0) {
  console.error('no benchmarks found: run the build first');
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
