#!/usr/bin/env node
// Checks the demo's output for each step's line (used by .ci/run).
import { readFileSync } from 'node:fs';

const output = readFileSync(process.argv[2] ?? '.tmp/demo.log', 'utf8');
const expected = [
  ['app started', /API listening on http:\/\/127\.0\.0\.1:\d+/],
  ['URLs to open', /Open http:\/\/\S+\/metrics, \S+\/health/],
  ['steady traffic', /Step \d+\. Steady traffic/],
  ['performance report', /Performance report from the metrics snapshot/],
  ['error burst', /Step \d+\. Error burst/],
  ['alert pending', /Alert HighErrorRate is pending/],
  ['alert firing', /Alert HighErrorRate is firing/],
  ['email at the SMTP sink', /On-call email delivered: "\[FIRING:\d+\] HighErrorRate/],
  ['breaker opens', /Circuit breaker billing: closed → open/],
  ['breaker recovers', /Circuit breaker billing: half-open → closed/],
  ['STT falls back', /Transcribed by \S+ \(fell back: openai:failure → \S+:success\)/],
  [
    'live job status',
    /Live status on \/live\/sessions\/7\/status: queued → started → openai → fallback to (\S+) → \1 → completed/,
  ],
  ['alert resolves', /Alert HighErrorRate resolved/],
  ['resolution email', /Resolution email delivered: "\[RESOLVED\] HighErrorRate/],
  ['clean exit', /Demo finished\./],
];
const missing = expected.filter(([, pattern]) => !pattern.test(output));
for (const [step, pattern] of missing) console.error(`demo output lacks the "${step}" line (${pattern})`);
if (/Demo failed/.test(output)) console.error('demo reported a failure');
console.log(`demo: ${expected.length - missing.length}/${expected.length} expected step lines present`);
process.exit(missing.length === 0 && !/Demo failed/.test(output) ? 0 : 1);
