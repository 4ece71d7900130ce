import { TelltaleError } from '@telltale/core';
import type { CollectedSample, SeriesStore } from '../store/series-store.js';
import { METRIC_NAME, type Labels } from '../store/labels.js';
import type { LoadedRules, RecordingRule, RuleGroup } from '../rules/load-rules.js';
import { parsePromql, type ParsedExpression } from '../promql/parse.js';
import { evaluateExpression } from '../promql/evaluate.js';
import type { Sample } from '../promql/values.js';
import { advanceAlertingRule, type AlertingRuleState, type QueryOutcome } from './alert-state.js';

/** Runs rule groups against a store, keeping each alerting rule's state. */
export interface RuleRunner {
  readonly states: ReadonlyMap<string, AlertingRuleState[]>;
  /** Recording rules whose last evaluation failed, by group name and rule index. */
  readonly recordingErrors: ReadonlyMap<string, ReadonlyMap<number, Error>>;
  evaluateGroup(group: RuleGroup, time: number): void;
  query(expression: ParsedExpression, time: number): Sample[];
}

/** Options shared by the engine and `testRules`. */
export interface RuleRunnerOptions {
  readonly rules: LoadedRules;
  readonly store: SeriesStore;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  readonly lookbackDelta: number;
}

function toSamples(expression: ParsedExpression, store: SeriesStore, time: number, lookbackDelta: number): Sample[] {
  const value = evaluateExpression(expression, { store, time, lookbackDelta });
  if (value.type === 'scalar') return [{ labels: {}, value: value.value }];
  if (value.type === 'vector') return [...value.samples];
  throw new TelltaleError('TELLTALE_PROMQL_EVALUATION', `Expression returned a ${value.type}`);
}

/** Creates the rule runner behind `createAlertEngine` and `testRules`. */
export function createRuleRunner(options: RuleRunnerOptions): RuleRunner {
  const { store, externalLabels, externalURL, lookbackDelta } = options;
  const states = new Map<string, AlertingRuleState[]>();
  for (const group of options.rules.groups) {
    states.set(
      group.name,
      group.rules.flatMap((rule) =>
        rule.kind === 'alert'
          ? [{ rule, groupLabels: group.labels, active: new Map(), lastError: undefined, health: 'unknown' as const }]
          : [],
      ),
    );
  }

  // Template `query` expressions repeat every evaluation; parse each once.
  const parsed = new Map<string, ParsedExpression>();
  const parseCached = (source: string): ParsedExpression => {
    let expression = parsed.get(source);
    if (!expression) {
      expression = parsePromql(source);
      if (parsed.size >= 256) parsed.clear();
      parsed.set(source, expression);
    }
    return expression;
  };

  const recordingErrors = new Map<string, Map<number, Error>>();
  const record = (group: RuleGroup, rule: RecordingRule, index: number, time: number): void => {
    let samples: Sample[] = [];
    let groupErrors = recordingErrors.get(group.name);
    if (!groupErrors) recordingErrors.set(group.name, (groupErrors = new Map<number, Error>()));
    groupErrors.delete(index);
    try {
      samples = toSamples(rule.expression, store, time - group.queryOffset, lookbackDelta);
      // Over the group limit Prometheus fails the rule and records nothing.
      if (group.limit > 0 && samples.length > group.limit) {
        groupErrors.set(index, new Error(`exceeded limit of ${group.limit} with ${samples.length} series`));
        samples = [];
      }
    } catch (error) {
      groupErrors.set(index, error as Error);
      samples = [];
    }
    store.ingest(
      `record\u0000${group.name}\u0000${index}`,
      samples.map((sample) => ({
        labels: { ...sample.labels, ...group.labels, ...rule.labels, [METRIC_NAME]: rule.name },
        value: sample.value,
      })),
      time,
    );
  };

  // Prometheus writes ALERTS{alertstate} and ALERTS_FOR_STATE (activeAt in seconds) for every
  // pending or firing alert, so rules and tests can query them.
  const writeAlertSeries = (group: RuleGroup, index: number, state: AlertingRuleState, time: number): void => {
    const alerts: CollectedSample[] = [];
    const forState: CollectedSample[] = [];
    for (const alert of state.active.values()) {
      if (alert.state === 'inactive') continue;
      const cached = (alert.seriesLabels ??= {});
      const labels = (cached[alert.state] ??= { ...alert.labels, [METRIC_NAME]: 'ALERTS', alertstate: alert.state });
      alerts.push({ labels, value: 1 });
      cached.forState ??= { ...alert.labels, [METRIC_NAME]: 'ALERTS_FOR_STATE' };
      forState.push({ labels: cached.forState, value: alert.activeAt / 1000 });
    }
    store.ingest(`alerts\u0000${group.name}\u0000${index}`, alerts, time);
    store.ingest(`for-state\u0000${group.name}\u0000${index}`, forState, time);
  };

  return {
    states,
    recordingErrors,
    evaluateGroup(group, time) {
      const groupStates = states.get(group.name) ?? [];
      let alertIndex = 0;
      group.rules.forEach((rule, index) => {
        if (rule.kind === 'record') {
          record(group, rule, index, time);
          return;
        }
        const state = groupStates[alertIndex++]!;
        let outcome: QueryOutcome;
        try {
          outcome = { samples: toSamples(rule.expression, store, time - group.queryOffset, lookbackDelta) };
        } catch (error) {
          outcome = { error: error as Error };
        }
        const resolveExpression = rule.resolveExpression;
        const resolveSamples = resolveExpression
          ? () => {
              try {
                return toSamples(resolveExpression, store, time - group.queryOffset, lookbackDelta);
              } catch {
                return [];
              }
            }
          : undefined;
        const query = (source: string) =>
          toSamples(parseCached(source), store, time - group.queryOffset, lookbackDelta);
        const context = { time, externalLabels, externalURL, limit: group.limit, query };
        advanceAlertingRule(state, outcome, context, resolveSamples);
        writeAlertSeries(group, index, state, time);
      });
    },
    query(expression, time) {
      return toSamples(expression, store, time, lookbackDelta);
    },
  };
}
