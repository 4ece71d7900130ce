#!/usr/bin/env node
// Runs every bench/*.bench.ts (or those named on the command line) against
// the packages' sources, then merges their results into results/latest.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => wanted.length === 0 || wanted.some((w) => name.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.log('No benchmarks matched.');
  process.exit(wanted.length === 0 ? 0 : 1);
}
const merged = { startedAt: new Date().toISOString(), node: process.version, benchmarks: {} };
let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
    cwd: here,
    env: { ...process.env, BENCH_RESULT_FILE: join(resultsDir, `${name}.json`) },
  });
  if (run.status !== 0) failed++;
  const resultFile = join(resultsDir, `${name}.json`);
  if (existsSync(resultFile)) merged.benchmarks[name] = JSON.parse(readFileSync(resultFile, 'utf8'));
}
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(merged, null, 2));
console.log(`\nWrote ${join('bench', 'results', 'latest.json')}`);
process.exit(failed === 0 ? 0 : 1);
