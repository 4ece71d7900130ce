import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPrometheusRules, testRules } from '@telltale/alerts';
import { missingPeer } from '../../../test-support/peers.js';

const directory = join(import.meta.dirname, 'fixtures', 'differential');
const expected = JSON.parse(readFileSync(join(directory, 'expected.json'), 'utf8')) as Record<string, 'pass' | 'fail'>;
const names = readdirSync(directory)
  .filter((file) => file.endsWith('.test.yml'))
  .map((file) => file.slice(0, -'.test.yml'.length))
  .sort();

describe('differential suite', () => {
  it('has at least 40 cases, including ones written to fail', () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(Object.values(expected).filter((outcome) => outcome === 'fail').length).toBeGreaterThanOrEqual(10);
  });

  it.each(names)('testRules gives the expected outcome for %s', async (name) => {
    const result = await testRules(join(directory, `${name}.test.yml`));
    expect(result.passed ? 'pass' : 'fail', result.output).toBe(expected[name]);
  });
});

const missing = missingPeer('promtool');
describe.skipIf(missing)("Debian's promtool agrees", () => {
  it('gives the same pass/fail as testRules on every fixture', async () => {
    const disagreements: string[] = [];
    for (const name of names) {
      const run = spawnSync('promtool', ['test', 'rules', `${name}.test.yml`], { cwd: directory, encoding: 'utf8' });
      const ours = await testRules(join(directory, `${name}.test.yml`));
      const theirs = run.status === 0 ? 'pass' : 'fail';
      if (theirs !== (ours.passed ? 'pass' : 'fail'))
        disagreements.push(`${name}: promtool ${theirs}\n${run.stdout}${ours.output}`);
    }
    expect(disagreements).toEqual([]);
  }, 60_000);

  it('accepts exportPrometheusRules output (telltale settings removed) under promtool check rules', () => {
    const yaml = exportPrometheusRules(`
groups:
  - name: api
    interval: 30s
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
      - alert: Errors
        expr: job:errors:rate5m > 1
        for: 5m
        keep_firing_for: 2m
        labels: { severity: page }
        annotations: { summary: '{{ $labels.job }}: {{ $value | humanize }}/s' }
        telltale: { noData: alerting, resolveThreshold: 0.5 }
`);
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-export-')), 'rules.yml');
    writeFileSync(file, yaml);
    const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS: 2 rules found');
  });

  it('accepts every fixture rule file under promtool check rules', () => {
    const files = readdirSync(directory).filter((file) => file.endsWith('.rules.yml'));
    const run = spawnSync('promtool', ['check', 'rules', ...files], { cwd: directory, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
