import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatDuration, parseDuration, TelltaleError } from '@telltale/core';
import { loadRules, type LoadedRules, type RuleGroup } from '../rules/load-rules.js';
import { createSeriesStore } from '../store/series-store.js';
import { labelsKey, type Labels } from '../store/labels.js';
import { parsePromql } from '../promql/parse.js';
import { createRuleRunner } from '../engine/rule-runner.js';
import { expandSeriesValues, parseSeriesLabels } from './series-notation.js';

/** Result of {@link testRules}. */
export interface RuleTestResult {
  /** True when every test group passed. */
  readonly passed: boolean;
  /** The failures, one message per failed check (promtool's wording). */
  readonly failures: readonly string[];
  /** The report as promtool prints it. */
  readonly output: string;
}

interface TestFile {
  rule_files?: string[];
  evaluation_interval?: string;
  group_eval_order?: string[];
  tests?: TestGroup[];
}

interface TestGroup {
  name?: string;
  interval?: string;
  input_series?: { series: string; values: string | number }[];
  alert_rule_test?: {
    eval_time: string;
    alertname: string;
    exp_alerts?: { exp_labels?: Labels; exp_annotations?: Labels }[];
  }[];
  promql_expr_test?: { expr: string; eval_time: string; exp_samples?: { labels?: string; value: number | string }[] }[];
  external_labels?: Labels;
  external_url?: string;
}

interface Comparable {
  labels: Labels;
  annotations: Labels;
}

function asStrings(record: Labels | undefined): Labels {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) result[key] = String(value);
  return result;
}

function formatAlerts(alerts: readonly Comparable[]): string {
  if (alerts.length === 0) return '[]';
  const body = alerts
    .map(
      (alert, index) =>
        `            ${index}:\n              Labels:${formatLabels(alert.labels)}\n              Annotations:${formatLabels(alert.annotations)}`,
    )
    .join('\n');
  return `[\n${body}\n            ]`;
}

function sortKey(alert: Comparable): string {
  return `${labelsKey(alert.labels)}\u0002${labelsKey(alert.annotations)}`;
}

function almostEqual(left: number, right: number): boolean {
  if (Number.isNaN(left) && Number.isNaN(right)) return true;
  if (left === right) return true;
  const difference = Math.abs(left - right);
  return difference <= 1e-6 * Math.max(Math.abs(left), Math.abs(right)) || difference < 1e-12;
}

/** Prometheus' `labels.Labels.String()`: every label, sorted, in braces. */
function formatLabels(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(', ')}}`;
}

/** Go's `strconv.FormatFloat(value, 'E', -1, 64)`, as promtool prints sample values. */
function formatE(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}E${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

function runGroup(
  group: TestGroup,
  rules: LoadedRules,
  evaluationInterval: number,
  order: readonly RuleGroup[],
): string[] {
  const failures: string[] = [];
  const prefix = group.name ? `    name: ${group.name},\n` : '';
  const interval = group.interval ? parseDuration(group.interval, 'interval') : evaluationInterval;
  const store = createSeriesStore({ retention: '100y', maxSamplesPerSeries: 10_000_000 });
  for (const input of group.input_series ?? []) {
    const labels = parseSeriesLabels(input.series);
    expandSeriesValues(String(input.values)).forEach((value, index) => {
      if (value === 'missing') return;
      if (value === 'stale') store.append(labels, index * interval, Number.NaN, { stale: true });
      else store.append(labels, index * interval, value);
    });
  }
  const runner = createRuleRunner({
    rules,
    store,
    externalLabels: asStrings(group.external_labels),
    externalURL: group.external_url ?? '',
    lookbackDelta: 5 * 60_000,
  });
  const alertTests = (group.alert_rule_test ?? []).map((test) => ({
    ...test,
    at: parseDuration(test.eval_time, 'eval_time'),
  }));
  const exprTests = (group.promql_expr_test ?? []).map((test) => ({
    ...test,
    at: parseDuration(test.eval_time, 'eval_time'),
  }));
  const maxTime = Math.max(0, ...alertTests.map((test) => test.at), ...exprTests.map((test) => test.at));
  const pending = [...alertTests].sort((a, b) => a.at - b.at);
  for (let time = 0; time <= maxTime; time += evaluationInterval) {
    for (const ruleGroup of order) runner.evaluateGroup(ruleGroup, time);
    while (pending.length > 0 && pending[0]!.at >= time && pending[0]!.at < time + evaluationInterval) {
      const test = pending.shift()!;
      const got: Comparable[] = [];
      for (const states of runner.states.values()) {
        for (const state of states) {
          if (state.rule.name !== test.alertname) continue;
          for (const alert of state.active.values()) {
            if (alert.state === 'firing') got.push({ labels: alert.labels, annotations: alert.annotations });
          }
        }
      }
      const expected: Comparable[] = (test.exp_alerts ?? []).map((alert) => ({
        labels: { ...asStrings(alert.exp_labels), alertname: test.alertname },
        annotations: asStrings(alert.exp_annotations),
      }));
      got.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
      expected.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
      const same =
        got.length === expected.length && got.every((alert, index) => sortKey(alert) === sortKey(expected[index]!));
      if (!same) {
        failures.push(
          `${prefix}    alertname: ${test.alertname}, time: ${formatDuration(test.at)}, \n        exp:${formatAlerts(expected)}, \n        got:${formatAlerts(got)}`,
        );
      }
    }
  }
  for (const test of exprTests) {
    let got: { labels: Labels; value: number }[];
    try {
      got = runner.query(parsePromql(String(test.expr)), test.at);
    } catch (error) {
      failures.push(
        `${prefix}    expr: ${JSON.stringify(test.expr)}, time: ${formatDuration(test.at)}, err: ${(error as Error).message}`,
      );
      continue;
    }
    const expected = (test.exp_samples ?? []).map((sample) => ({
      labels: sample.labels ? parseSeriesLabels(sample.labels) : {},
      value: typeof sample.value === 'number' ? sample.value : Number(sample.value),
    }));
    const byKey = (a: { labels: Labels }, b: { labels: Labels }) =>
      labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1;
    got = [...got].sort(byKey);
    expected.sort(byKey);
    const same =
      got.length === expected.length &&
      got.every(
        (sample, index) =>
          labelsKey(sample.labels) === labelsKey(expected[index]!.labels) &&
          almostEqual(sample.value, expected[index]!.value),
      );
    if (!same) {
      const render = (samples: { labels: Labels; value: number }[]) =>
        samples.map((sample) => `${formatLabels(sample.labels)} ${formatE(sample.value)}`).join(', ');
      failures.push(
        `${prefix}    expr: ${JSON.stringify(test.expr)}, time: ${formatDuration(test.at)},\n        exp: ${render(expected)}\n        got: ${render(got)}`,
      );
    }
  }
  return failures;
}

/**
 * Runs a `promtool test rules` file against the engine: input series in
 * promtool's expanding notation, `alert_rule_test` and `promql_expr_test`,
 * with results reported as promtool reports them.
 *
 * @param testFile - path of the test file (rule files resolve relative to it).
 * @example
 * ```ts
 * import { testRules } from '@telltale/alerts';
 * const result = await testRules('alerts.test.yml');
 * process.stdout.write(result.output);
 * if (!result.passed) process.exitCode = 1;
 * ```
 */
export async function testRules(testFile: string): Promise<RuleTestResult> {
  const header = `Unit Testing:  ${testFile}\n`;
  let failures: string[] = [];
  try {
    const document = parseYaml(await readFile(testFile, 'utf8')) as TestFile | null;
    if (!document || typeof document !== 'object') throw new TelltaleError('TELLTALE_RULES_INVALID', 'empty test file');
    const evaluationInterval = parseDuration(document.evaluation_interval ?? '1m', 'evaluation_interval');
    const groups: RuleGroup[] = [];
    for (const file of document.rule_files ?? []) {
      const text = await readFile(resolve(dirname(testFile), file), 'utf8');
      groups.push(...loadRules(text).groups);
    }
    const rules: LoadedRules = { groups };
    const orderNames = document.group_eval_order ?? [];
    const order = [
      ...orderNames.flatMap((name) => groups.filter((group) => group.name === name)),
      ...groups.filter((group) => !orderNames.includes(group.name)),
    ];
    for (const group of document.tests ?? []) failures.push(...runGroup(group, rules, evaluationInterval, order));
  } catch (error) {
    failures = [`    ${(error as Error).message}`];
  }
  const passed = failures.length === 0;
  const output = passed ? `${header}  SUCCESS\n\n` : `${header}  FAILED:\n${failures.join('\n')}\n\n`;
  return { passed, failures, output };
}
