import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAlertRouter, loadRules, parseMatchers, testRules } from '@telltale/alerts';
import { createManualClock } from '@telltale/core';
import { missingPeer } from '../../../test-support/peers.js';

// Label values of the input series; each case lists which of them a matcher selects.
const LEVELS = ['ERROR', 'ERRor', 'Fatal', 'error', 'warn', 'err', 'a.b', 'axb', 'A1', 'é', 'x-y', ''];

interface RegexCase {
  readonly name: string;
  readonly regex: string;
  readonly selects: readonly string[];
}

const CASES: readonly RegexCase[] = [
  { name: 'inline case-insensitive flag', regex: '(?i)error|fatal', selects: ['ERROR', 'ERRor', 'Fatal', 'error'] },
  { name: 'flag group', regex: '(?i:err)or', selects: ['ERRor', 'error'] },
  { name: 'anchored on both ends', regex: 'err', selects: ['err'] },
  { name: 'alternation is anchored as a whole', regex: 'err|warn', selects: ['warn', 'err'] },
  { name: 'escaped dot', regex: 'a\\.b', selects: ['a.b'] },
  { name: 'dot', regex: 'a.b', selects: ['a.b', 'axb'] },
  { name: 'POSIX class', regex: '[[:upper:]][[:digit:]]', selects: ['A1'] },
  { name: 'Perl class', regex: '\\w\\d', selects: ['A1'] },
  { name: 'Unicode class', regex: '\\pL', selects: ['é'] },
  { name: 'quoted literal', regex: '\\Qa.b\\E', selects: ['a.b'] },
  { name: 'negated class', regex: '[^a-z]+', selects: ['ERROR', 'A1', 'é'] },
  { name: 'empty alternative matches the empty value', regex: 'warn|', selects: ['warn', ''] },
  { name: 'escaped hyphen in a class', regex: 'x[\\-]y', selects: ['x-y'] },
];

function promqlString(text: string): string {
  return JSON.stringify(text);
}

// An empty label value is an absent label.
function seriesLabels(level: string): string {
  return level === '' ? '{__name__="logs_total"}' : `{__name__="logs_total", level=${promqlString(level)}}`;
}

function ruleTestFile(directory: string, testCase: RegexCase, index: number): string {
  const rules = join(directory, `case-${index}.rules.yml`);
  writeFileSync(rules, 'groups: []\n');
  const series = LEVELS.map((level) => `      - series: '${seriesLabels(level)}'\n        values: '1'`);
  const expected =
    testCase.selects.length === 0
      ? '        exp_samples: []'
      : `        exp_samples:\n${testCase.selects
          .map((level) => `          - labels: '${seriesLabels(level)}'\n            value: 1`)
          .join('\n')}`;
  const expression = `logs_total{level=~${promqlString(testCase.regex)}}`;
  const file = join(directory, `case-${index}.test.yml`);
  writeFileSync(
    file,
    [
      `rule_files: [case-${index}.rules.yml]`,
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      ...series,
      '    promql_expr_test:',
      `      - expr: ${JSON.stringify(expression)}`,
      '        eval_time: 0m',
      expected,
      '',
    ].join('\n'),
  );
  return file;
}

describe('PromQL regex matchers (RE2)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'telltale-regex-'));
  const files = CASES.map((testCase, index) => ruleTestFile(directory, testCase, index));

  it.each(CASES.map((testCase, index) => [testCase.name, index] as const))(
    'selects as RE2 does: %s',
    async (_, index) => {
      const result = await testRules(files[index]!);
      expect(result.passed, result.output).toBe(true);
    },
  );

  it('loads the issue rule with an inline flag', () => {
    const rules = loadRules(`
groups:
  - name: logs
    rules:
      - alert: ErrorsLogged
        expr: sum by (level) (logs_total{level=~"(?i)error|fatal"}) > 0
`);
    expect(rules.groups[0]!.rules).toHaveLength(1);
  });

  it('refuses what Go refuses, naming the pattern', () => {
    expect(() => loadRules('groups: [{ name: g, rules: [{ alert: A, expr: \'up{job=~"(?<=a)b"}\' }] }]')).toThrow(
      /Invalid regular expression "\(\?<=a\)b": invalid named capture/,
    );
    expect(() => parseMatchers(['job=~"a("'])).toThrow(expect.objectContaining({ code: 'TELLTALE_INVALID_INPUT' }));
  });

  it('matches a hostile pattern against a 10,000-character value in linear time', () => {
    const [matcher] = parseMatchers(['value=~"(a+)+$"']);
    const value = `${'a'.repeat(10_000)}b`;
    expect(matcher!.regex!.test(value)).toBe(false);
    expect(matcher!.regex!.test('a'.repeat(10_000))).toBe(true);
  });

  it('uses RE2 in routes, silences and inhibition rules', async () => {
    const clock = createManualClock({ now: Date.parse('2026-01-01T00:00:00Z') });
    const delivered: string[] = [];
    const router = createAlertRouter({
      clock,
      route: {
        receiver: 'none',
        routes: [
          { receiver: 'pager', matchers: ['severity=~"(?i)critical|page"'], group_by: ['alertname'], group_wait: '0s' },
        ],
      },
      inhibitRules: [
        { source_matchers: ['alertname=~"(?i)datacenterdown"'], target_matchers: ['alertname="Latency"'] },
      ],
      receivers: {
        none: () => undefined,
        pager: (group) => void delivered.push(...group.alerts.map((alert) => alert.labels.alertname ?? '')),
      },
    });
    router.silence(['alertname=~"(?i)noisy.*"'], { until: clock.now() + 3_600_000 });
    expect(router.mutedBy({ alertname: 'NOISY_Thing' })).toBe('silence');
    const startsAt = clock.now();
    router.put([
      { labels: { alertname: 'Disk', severity: 'CRITICAL' }, startsAt },
      { labels: { alertname: 'NOISY_Thing', severity: 'Page' }, startsAt },
      { labels: { alertname: 'DataCenterDown', severity: 'info' }, startsAt },
      { labels: { alertname: 'Latency', severity: 'page' }, startsAt },
    ]);
    await clock.advanceAsync(1000);
    await router.close();
    expect(router.mutedBy({ alertname: 'Latency' })).toBe('inhibition');
    expect(delivered).toEqual(['Disk']);
  });
});

const missing = missingPeer('promtool');
describe.skipIf(missing)("PromQL regex matchers agree with Debian's promtool", () => {
  it('passes every case under promtool test rules', () => {
    const directory = mkdtempSync(join(tmpdir(), 'telltale-regex-promtool-'));
    const failures = CASES.flatMap((testCase, index) => {
      const file = ruleTestFile(directory, testCase, index);
      const run = spawnSync('promtool', ['test', 'rules', file], { cwd: directory, encoding: 'utf8' });
      return run.status === 0 ? [] : [`${testCase.name}: ${run.stdout}${run.stderr}`];
    });
    expect(failures).toEqual([]);
  }, 60_000);
});
