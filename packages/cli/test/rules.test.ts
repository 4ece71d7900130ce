import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { run } from './support.js';

const RULES = `groups:
  - name: api
    interval: 15s
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_server_request_duration_count{http_response_status_code=~"5.."}[5m])) > 1
        for: 1m
        labels:
          severity: critical
      - record: job:errors:rate1m
        expr: sum(rate(http_server_request_duration_count[5m]))
`;

const testFile = (expected: number) => `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_server_request_duration_count{http_response_status_code="500"}'
        values: '0+120x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: HighErrorRate
        exp_alerts:
          - exp_labels: { severity: critical }
    promql_expr_test:
      - expr: job:errors:rate1m
        eval_time: 5m
        exp_samples:
          - labels: 'job:errors:rate1m'
            value: ${expected}
`;

describe('telltale rules', () => {
  let directory: string;
  const file = (name: string) => join(directory, name);
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'telltale-cli-rules-'));
    writeFileSync(file('rules.yml'), RULES);
    writeFileSync(file('bad.yml'), 'groups: [{ name: g, rules: [{ alert: A, expr: "rate(x)" }] }]');
    writeFileSync(file('passing.test.yml'), testFile(2));
    writeFileSync(file('failing.test.yml'), testFile(3));
  });

  it('check: counts the rules of valid files, exits 1 naming the invalid rule', async () => {
    const ok = await run(['rules', 'check', file('rules.yml')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('SUCCESS: 2 rules found');
    const bad = await run(['rules', 'check', file('rules.yml'), file('bad.yml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/group "g", rule "A"/);
  });

  it('check --json: one result per file; an unreadable file exits 2', async () => {
    const result = await run(['rules', 'check', file('rules.yml'), file('missing.yml'), '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual([
      { file: file('rules.yml'), valid: true, groups: 1, rules: 2 },
      { file: file('missing.yml'), valid: false, error: expect.stringContaining('ENOENT') as unknown },
    ]);
  });

  it('test: runs promtool-style unit tests, exits 1 on a failing expectation', async () => {
    const passed = await run(['rules', 'test', file('passing.test.yml')]);
    expect(passed.stdout).toContain('SUCCESS');
    expect(passed.code).toBe(0);
    const failed = await run(['rules', 'test', file('failing.test.yml'), '--json']);
    expect(failed.code).toBe(1);
    const [result] = JSON.parse(failed.stdout) as [{ passed: boolean; failures: string[] }];
    expect(result.passed).toBe(false);
    expect(result.failures.join('\n')).toContain('job:errors:rate1m');
  });

  it('export: prints a Prometheus rule file', async () => {
    const result = await run(['rules', 'export', file('rules.yml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/groups:\n\s+- name: api/);
    expect(result.stdout).toContain('alert: HighErrorRate');
    const json = await run(['rules', 'export', file('rules.yml'), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ file: file('rules.yml'), prometheusRules: result.stdout });
    const invalid = await run(['rules', 'export', file('bad.yml')]);
    expect(invalid.code).toBe(1);
  });

  it.skipIf(missingPeer('promtool'))(
    'export: Prometheus accepts the exported file, and the same unit tests',
    async () => {
      const exported = await run(['rules', 'export', file('rules.yml')]);
      writeFileSync(file('exported.yml'), exported.stdout);
      const check = spawnSync('promtool', ['check', 'rules', file('exported.yml')], { encoding: 'utf8' });
      expect(check.stdout + check.stderr).toContain('SUCCESS: 2 rules found');
      expect(check.status).toBe(0);
      // The same test file passes and fails under promtool as under `telltale rules test`.
      const passing = spawnSync('promtool', ['test', 'rules', file('passing.test.yml')], { encoding: 'utf8' });
      expect(passing.status).toBe(0);
      const failing = spawnSync('promtool', ['test', 'rules', file('failing.test.yml')], { encoding: 'utf8' });
      expect(failing.status).toBe(1);
    },
  );

  it('exits 64 on bad usage', async () => {
    expect((await run(['rules'])).code).toBe(64);
    expect((await run(['rules', 'check'])).code).toBe(64);
    expect((await run(['rules', 'lint', file('rules.yml')])).code).toBe(64);
    expect((await run(['rules', 'export', file('rules.yml'), file('rules.yml')])).code).toBe(64);
  });
});
