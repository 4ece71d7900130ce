// `pnpm conformance [directory] [--verbose]`: runs every *.test script of the directory
// (default: our own cases next to this file) and prints correct / wrong / unsupported /
// crashed per file and in total. Exits 1 when any case is wrong or crashed.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTestScript, type Outcome } from './conformance-runner.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const directory = resolve(
  args.find((arg) => !arg.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), 'cases'),
);
const files = readdirSync(directory)
  .filter((name) => name.endsWith('.test'))
  .sort();
if (files.length === 0) {
  console.error(`No *.test files in ${directory}`);
  process.exit(1);
}

const outcomes: readonly Outcome[] = ['correct', 'wrong', 'unsupported', 'crashed', 'different'];
const total: Record<Outcome, number> = { correct: 0, wrong: 0, unsupported: 0, crashed: 0, different: 0 };
let skipped = 0;
const rows: string[][] = [];
for (const file of files) {
  const known = new Map(Object.entries(KNOWN_DIFFERENCES[file] ?? {}));
  const result = runTestScript(readFileSync(join(directory, file), 'utf8'), known);
  const counts: Record<Outcome, number> = { correct: 0, wrong: 0, unsupported: 0, crashed: 0, different: 0 };
  for (const entry of result.cases) {
    counts[entry.outcome]++;
    total[entry.outcome]++;
    if (entry.outcome !== 'correct' && (verbose || entry.outcome === 'wrong' || entry.outcome === 'crashed')) {
      console.log(`${basename(file)}:${entry.line} ${entry.outcome}: ${entry.expression}\n    ${entry.detail ?? ''}`);
    }
  }
  skipped += result.skipped;
  rows.push([file, ...outcomes.map((outcome) => String(counts[outcome])), String(result.skipped)]);
}
const attempted = outcomes.reduce((sum, outcome) => sum + total[outcome], 0);
rows.push(['total', ...outcomes.map((outcome) => String(total[outcome])), String(skipped)]);
const header = [
  'file',
  ...outcomes.map((outcome) => (outcome === 'different' ? 'known difference' : outcome)),
  'native (left out)',
];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const format = (row: readonly string[]): string =>
  row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
console.log(`\nPromQL conformance: ${directory}`);
console.log(format(header));
for (const row of rows) console.log(format(row));
const percent = attempted === 0 ? 0 : (100 * total.correct) / attempted;
console.log(
  `${total.correct} of ${attempted} correct (${percent.toFixed(1)} %), ${total.wrong} wrong, ` +
    `${total.unsupported} unsupported, ${total.crashed} crashed, ${total.different} known differences`,
);
process.exit(total.wrong > 0 || total.crashed > 0 ? 1 : 0);
