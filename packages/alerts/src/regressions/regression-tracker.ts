import { options as validate, TelltaleConfigError } from '@telltale/core';
import { parsePromql, type ParsedExpression } from '../promql/parse.js';
import { isList } from '../routing/matchers.js';
import { labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
import type { Sample } from '../promql/values.js';

/** A regression rule: learn a baseline of a duration (or any "lower is better") query, alert when slower. */
export interface RegressionRuleInput {
  /** The `alertname` of its alerts. */
  name: string;
  /** PromQL instant query; each result series is tracked on its own (e.g. p95 per route). */
  expr: string;
  /** Samples (one per evaluation) that form the baseline (their median). Default 10. */
  baselineSamples?: number;
  /** Alert when the current window is more than this fraction above the baseline. Default 0.1 (10 %). */
  threshold?: number;
  /** Samples averaged into the current window. Default 3. */
  window?: number;
  /** Absolute values (the query's unit) for the `severity` label: bottleneck severity. Default `warning` always. */
  severity?: { warning?: number; critical?: number };
  /** Extra alert labels. */
  labels?: Record<string, string>;
}

/** Direction of a tracked series over the last two windows. */
export type Trend = 'improving' | 'stable' | 'degrading';

/** One tracked series, as `state().regressions` reports it. */
export interface RegressionSeriesState {
  readonly rule: string;
  readonly labels: Labels;
  /** `undefined` while learning. */
  readonly baseline: number | undefined;
  readonly current: number | undefined;
  /** `current / baseline - 1`. */
  readonly change: number | undefined;
  readonly trend: Trend | undefined;
  readonly regressed: boolean;
  readonly samples: number;
}

interface Rule {
  readonly name: string;
  readonly expression: ParsedExpression;
  readonly baselineSamples: number;
  readonly threshold: number;
  readonly window: number;
  readonly severity: { warning?: number; critical?: number };
  readonly labels: Labels;
}

interface Series {
  readonly labels: Labels;
  readonly learning: number[];
  baseline: number | undefined;
  /** The last 2 × window values. */
  readonly recent: number[];
  /** Labels of the alert currently firing for it. */
  alertLabels: Labels | undefined;
  alertAnnotations: Record<string, string>;
  firingSince: number | undefined;
}

/** One series of a regression rule as the state file keeps it (baselines survive restarts). */
export interface SavedRegressionSeries {
  rule: string;
  labels: Labels;
  learning: number[];
  baseline?: number;
  recent: number[];
  alertLabels?: Labels;
  alertAnnotations?: Record<string, string>;
  firingSince?: number;
}

/** An alert change to hand to the router. */
export interface RegressionAlert {
  labels: Labels;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt?: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Validates regression rules. */
export function buildRegressionRules(input: readonly RegressionRuleInput[] | undefined): Rule[] {
  if (input === undefined) return [];
  if (!isList(input))
    throw new TelltaleConfigError({ option: 'regressions', value: input, expected: 'an array of regression rules' });
  return input.map((rule, index) => {
    const option = `regressions[${index}]`;
    validate.object(option, rule);
    const name = validate.nonEmptyString(`${option}.name`, rule.name);
    let expression: ParsedExpression;
    try {
      expression = parsePromql(validate.nonEmptyString(`${option}.expr`, rule.expr));
    } catch (error) {
      throw new TelltaleConfigError({ option: `${option}.expr`, value: rule.expr, expected: (error as Error).message });
    }
    const threshold = validate.numberInRange(`${option}.threshold`, rule.threshold, 0, 100, 0.1);
    return {
      name,
      expression,
      baselineSamples: validate.positiveInteger(`${option}.baselineSamples`, rule.baselineSamples, 10),
      threshold,
      window: validate.positiveInteger(`${option}.window`, rule.window, 3),
      severity: { ...validate.object(`${option}.severity`, rule.severity) },
      labels: { ...validate.object(`${option}.labels`, rule.labels) },
    };
  });
}

/**
 * Tracks regression rules: per series a baseline (median of the first
 * `baselineSamples` values), the current window (mean of the last `window`),
 * a trend (the last window against the one before, ± threshold / 2), and an
 * alert while the current window is more than `threshold` above the baseline.
 */
export function createRegressionTracker(
  rules: readonly Rule[],
  query: (expression: ParsedExpression, time: number) => Sample[],
) {
  const series = new Map<string, Series>();
  const state = (rule: Rule, entry: Series): RegressionSeriesState => {
    const current =
      entry.baseline === undefined || entry.recent.length === 0 ? undefined : mean(entry.recent.slice(-rule.window));
    const change = current === undefined || !entry.baseline ? undefined : current / entry.baseline - 1;
    let trend: Trend | undefined;
    if (entry.recent.length >= 2 * rule.window) {
      const before = mean(entry.recent.slice(0, rule.window));
      const after = mean(entry.recent.slice(rule.window));
      const delta = before === 0 ? 0 : after / before - 1;
      trend = delta > rule.threshold / 2 ? 'degrading' : delta < -rule.threshold / 2 ? 'improving' : 'stable';
    }
    return {
      rule: rule.name,
      labels: entry.labels,
      baseline: entry.baseline,
      current,
      change,
      trend,
      regressed: change !== undefined && change > rule.threshold,
      samples: entry.learning.length + (entry.baseline === undefined ? 0 : entry.recent.length),
    };
  };

  return {
    /** Evaluates every rule at `time`; returns the alert changes (new, changed, resolved). */
    evaluate(time: number): RegressionAlert[] {
      const changes: RegressionAlert[] = [];
      for (const rule of rules) {
        let samples: Sample[] = [];
        try {
          samples = query(rule.expression, time).filter((sample) => Number.isFinite(sample.value));
        } catch {
          samples = [];
        }
        const seen = new Set<string>();
        for (const sample of samples) {
          const { [METRIC_NAME]: _name, ...labels } = sample.labels;
          const key = `${rule.name}\u0000${labelsKey(labels)}`;
          seen.add(key);
          let entry = series.get(key);
          if (!entry) {
            entry = {
              labels,
              learning: [],
              baseline: undefined,
              recent: [],
              alertLabels: undefined,
              alertAnnotations: {},
              firingSince: undefined,
            };
            series.set(key, entry);
          }
          if (entry.baseline === undefined) {
            entry.learning.push(sample.value);
            if (entry.learning.length >= rule.baselineSamples) entry.baseline = median(entry.learning);
            continue;
          }
          entry.recent.push(sample.value);
          if (entry.recent.length > 2 * rule.window) entry.recent.shift();
          const snapshot = state(rule, entry);
          const { critical, warning } = rule.severity;
          const severity =
            critical !== undefined && snapshot.current! >= critical
              ? 'critical'
              : warning === undefined || snapshot.current! >= warning
                ? 'warning'
                : 'info';
          const alertLabels = snapshot.regressed
            ? { ...labels, ...rule.labels, alertname: rule.name, severity }
            : undefined;
          if (entry.alertLabels && labelsKey(entry.alertLabels) !== (alertLabels ? labelsKey(alertLabels) : '')) {
            changes.push({
              labels: entry.alertLabels,
              annotations: entry.alertAnnotations,
              startsAt: entry.firingSince!,
              endsAt: time,
            });
            entry.alertLabels = undefined;
          }
          if (alertLabels) {
            entry.firingSince = entry.alertLabels ? entry.firingSince : time;
            entry.alertLabels = alertLabels;
            entry.alertAnnotations = {
              summary: `${rule.name}: ${snapshot.current} is ${(snapshot.change! * 100).toFixed(1)}% above the baseline ${snapshot.baseline}`,
              trend: snapshot.trend ?? 'unknown',
            };
            changes.push({ labels: alertLabels, annotations: entry.alertAnnotations, startsAt: entry.firingSince! });
          }
        }
        for (const [key, entry] of series) {
          if (!key.startsWith(`${rule.name}\u0000`) || seen.has(key) || !entry.alertLabels) continue;
          changes.push({
            labels: entry.alertLabels,
            annotations: entry.alertAnnotations,
            startsAt: entry.firingSince!,
            endsAt: time,
          });
          entry.alertLabels = undefined;
        }
      }
      return changes;
    },
    /** The series, for the state file. */
    snapshot(): SavedRegressionSeries[] {
      return [...series].map(([key, entry]) => ({
        rule: key.slice(0, key.indexOf('\u0000')),
        labels: entry.labels,
        learning: [...entry.learning],
        ...(entry.baseline === undefined ? {} : { baseline: entry.baseline }),
        recent: [...entry.recent],
        ...(entry.alertLabels
          ? { alertLabels: entry.alertLabels, alertAnnotations: entry.alertAnnotations, firingSince: entry.firingSince }
          : {}),
      }));
    },
    /** Puts saved series back, for rules that still exist; returns how many. */
    restore(saved: readonly SavedRegressionSeries[]): number {
      let restored = 0;
      for (const item of saved) {
        const rule = rules.find((candidate) => candidate.name === item.rule);
        if (!rule || !Array.isArray(item.learning) || !Array.isArray(item.recent)) continue;
        series.set(`${rule.name}\u0000${labelsKey(item.labels)}`, {
          labels: item.labels,
          learning: item.learning.filter(Number.isFinite),
          baseline: typeof item.baseline === 'number' ? item.baseline : undefined,
          recent: item.recent.filter(Number.isFinite).slice(-2 * rule.window),
          alertLabels: item.alertLabels,
          alertAnnotations: item.alertAnnotations ?? {},
          firingSince: item.alertLabels ? item.firingSince : undefined,
        });
        restored++;
      }
      return restored;
    },
    states(): RegressionSeriesState[] {
      const result: RegressionSeriesState[] = [];
      for (const rule of rules)
        for (const [key, entry] of series) if (key.startsWith(`${rule.name}\u0000`)) result.push(state(rule, entry));
      return result;
    },
  };
}
