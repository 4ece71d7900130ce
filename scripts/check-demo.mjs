#!/usr/bin/env node
// Checks the demo's output for each step's line (used by .ci/run).
import { readFileSync } from 'node:fs';

const output = readFileSync(process.argv[2] ?? '.tmp/demo.log', 'utf8');
const expected = [/@telltale\/core loaded: parseDuration\('1h30m'\) = 5400000 ms = 1h30m/];
const missing = expected.filter((pattern) => !pattern.test(output));
for (const pattern of missing) console.error(`demo output lacks ${pattern}`);
console.log(`demo: ${expected.length - missing.length}/${expected.length} expected lines present`);
process.exit(missing.length === 0 ? 0 : 1);
