import type { LoadedRules } from '../rules/load-rules.js';
import type { RegressionSeriesState } from '../regressions/regression-tracker.js';
import type { AlertGroupState } from '../routing/router-types.js';
import type { Silence } from '../routing/silences.js';
import type { Labels } from '../store/labels.js';
import type { AlertState } from './alert-state.js';
import type { RuleRunner } from './rule-runner.js';

/** One alert as the engine currently holds it. */
export interface AlertSnapshot {
  readonly rule: string;
  readonly group: string;
  readonly state: AlertState;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly value: number;
  readonly activeAt: number;
  readonly firedAt: number | undefined;
  readonly resolvedAt: number | undefined;
}

/** One rule as `state()` reports it. */
export interface RuleStateSnapshot {
  readonly group: string;
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  /** `unknown` until its group was evaluated. */
  readonly health: 'unknown' | 'ok' | 'error';
  /** Time of its group's last evaluation. */
  readonly lastEvaluation: number | undefined;
  /** Duration of its group's last evaluation, in seconds. */
  readonly evaluationDurationSeconds: number | undefined;
  readonly lastError: string | undefined;
  /** Pending, firing and retained resolved alerts (alerting rules). */
  readonly alerts: number;
}

/** Everything the engine knows, as `state()` returns it. */
export interface EngineState {
  readonly lastEvaluation: number | undefined;
  readonly rules: readonly RuleStateSnapshot[];
  readonly alerts: readonly AlertSnapshot[];
  readonly groups: readonly AlertGroupState[];
  readonly silences: readonly Silence[];
  /** Series tracked by regression rules: baseline, current window, change, trend. */
  readonly regressions: readonly RegressionSeriesState[];
}

/** When each group was last evaluated, and how long it took (as Prometheus' group metrics). */
export type GroupEvaluations = ReadonlyMap<string, { readonly time: number; readonly seconds: number }>;

type Runner = Pick<RuleRunner, 'states' | 'recordingErrors'>;

/** Every alert of every rule, as `alerts()` returns them. */
export function alertSnapshots(runner: Runner): AlertSnapshot[] {
  const result: AlertSnapshot[] = [];
  for (const [group, states] of runner.states)
    for (const state of states)
      for (const alert of state.active.values())
        result.push({
          rule: state.rule.name,
          group,
          state: alert.state,
          labels: alert.labels,
          annotations: alert.annotations,
          value: alert.value,
          activeAt: alert.activeAt,
          firedAt: alert.firedAt,
          resolvedAt: alert.resolvedAt,
        });
  return result;
}

/** Every rule with its health, as Prometheus' `/api/v1/rules` reports them. */
export function ruleSnapshots(rules: LoadedRules, runner: Runner, evaluations: GroupEvaluations): RuleStateSnapshot[] {
  const result: RuleStateSnapshot[] = [];
  for (const group of rules.groups) {
    const evaluation = evaluations.get(group.name);
    const alertStates = runner.states.get(group.name) ?? [];
    let alertIndex = 0;
    group.rules.forEach((rule, index) => {
      const common = {
        group: group.name,
        name: rule.name,
        lastEvaluation: evaluation?.time,
        evaluationDurationSeconds: evaluation?.seconds,
      };
      if (rule.kind === 'record') {
        const error = runner.recordingErrors.get(group.name)?.get(index);
        result.push({
          ...common,
          type: 'recording',
          health: !evaluation ? 'unknown' : error ? 'error' : 'ok',
          lastError: error?.message,
          alerts: 0,
        });
        return;
      }
      const state = alertStates[alertIndex++]!;
      result.push({
        ...common,
        type: 'alerting',
        health: state.health,
        lastError: state.lastError?.message,
        alerts: state.active.size,
      });
    });
  }
  return result;
}

/** Pending and firing alerts per alert name and state, for the `telltale.alerts.alerts` gauge. */
export function alertCounts(runner: Runner): Iterable<{ alertname: string; alertstate: string; count: number }> {
  const counts = new Map<string, { alertname: string; alertstate: string; count: number }>();
  for (const states of runner.states.values())
    for (const state of states)
      for (const alert of state.active.values()) {
        if (alert.state === 'inactive') continue;
        const key = `${alert.labels.alertname}\u0000${alert.state}`;
        const entry = counts.get(key) ?? { alertname: alert.labels.alertname ?? '', alertstate: alert.state, count: 0 };
        entry.count++;
        counts.set(key, entry);
      }
  return counts.values();
}
