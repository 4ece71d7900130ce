import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
const fixtures = join(import.meta.dirname, 'fixtures', 'differential');

function cli(...args: string[]) {
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS;
  return spawnSync(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', bin, ...args], {
    cwd: join(import.meta.dirname, '..', '..', '..'),
    encoding: 'utf8',
    env: environment,
    timeout: 30_000,
  });
}

describe('telltale-alerts', () => {
  it('check: accepts valid rule files and rejects invalid ones with exit code 1', () => {
    const ok = cli('check', join(fixtures, 'error-ratio-fires.rules.yml'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('SUCCESS: 1 rules found');
    const directory = mkdtempSync(join(tmpdir(), 'telltale-alerts-'));
    const bad = join(directory, 'bad.yml');
    writeFileSync(bad, 'groups: [{ name: g, rules: [{ alert: A, expr: "rate(x)" }] }]');
    const failed = cli('check', bad);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/group "g", rule "A" \(#1\), field "expr"/);
  });

  it('test: reports like promtool and exits 1 on failure', () => {
    const passed = cli('test', join(fixtures, 'sum-by.test.yml'));
    expect(passed.status).toBe(0);
    expect(passed.stdout).toContain('SUCCESS');
    const failed = cli('test', join(fixtures, 'sum-by-wrong.test.yml'));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/FAILED:\n {4}expr: "sum by \(queue\) \(queue_depth\)", time: 2m,/);
  });

  it('export: prints a Prometheus rule file; no command prints usage', () => {
    const exported = cli('export', join(fixtures, 'label-template.rules.yml'));
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain('alert: Deep');
    expect(cli().status).toBe(2);
  });
});
