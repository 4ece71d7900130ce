import type { ParsedExpression } from '../promql/parse.js';
import type { CompiledTemplate } from '../templates/template.js';

// The rule file as written (Prometheus' `rulefmt`) and as validated for the engine.

/** What an alerting rule does when its query returns nothing or fails (Grafana-style). */
export type NoDataHandling = 'ok' | 'alerting' | 'noData' | 'keepLast';
/** What an alerting rule does when its query fails. */
export type ErrorHandling = 'ok' | 'alerting' | 'error' | 'keepLast';

/** Telltale-only settings of an alerting rule, under `telltale:`; stripped by `exportPrometheusRules`. */
export interface TelltaleRuleSettings {
  /** When the query returns no series. Default `'ok'` (Prometheus: alerts resolve). */
  noData?: NoDataHandling;
  /** When the query fails. Default `'keepLast'` (Prometheus leaves alerts as they were). */
  error?: ErrorHandling;
  /**
   * Hysteresis: for `expr` of the form `<query> <op> <number>`, a firing alert
   * resolves only once `<query> <op> resolveThreshold` is false too.
   */
  resolveThreshold?: number;
}

/** A rule as written in a Prometheus rule file. */
export interface RuleInput {
  alert?: string;
  record?: string;
  expr: string | number;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  telltale?: TelltaleRuleSettings;
}

/** A rule group as written in a Prometheus rule file. */
export interface RuleGroupInput {
  name: string;
  interval?: string;
  limit?: number;
  query_offset?: string;
  labels?: Record<string, string>;
  rules: RuleInput[];
}

/** A Prometheus rule file: YAML text or the parsed object. */
export type RuleFileInput = string | { groups: RuleGroupInput[] };

/** Labels or annotations with their templates compiled. */
export interface CompiledLabels {
  readonly source: Readonly<Record<string, string>>;
  readonly templates: Readonly<Record<string, CompiledTemplate>>;
}

/** A validated alerting rule. */
export interface AlertingRule {
  readonly kind: 'alert';
  readonly name: string;
  readonly expression: ParsedExpression;
  /** Expression used while firing when a resolve threshold is set. */
  readonly resolveExpression: ParsedExpression | undefined;
  readonly for: number;
  readonly keepFiringFor: number;
  readonly labels: CompiledLabels;
  readonly annotations: CompiledLabels;
  readonly noData: NoDataHandling;
  readonly error: ErrorHandling;
  readonly input: RuleInput;
}

/** A validated recording rule. */
export interface RecordingRule {
  readonly kind: 'record';
  readonly name: string;
  readonly expression: ParsedExpression;
  readonly labels: Readonly<Record<string, string>>;
  readonly input: RuleInput;
}

/** A validated rule group. */
export interface RuleGroup {
  readonly name: string;
  /** Evaluation interval in milliseconds, when the group sets one. */
  readonly interval: number | undefined;
  /** Maximum alerts (or recorded series) per rule; 0 means no limit. */
  readonly limit: number;
  /** How far back queries look (`query_offset`), in milliseconds. */
  readonly queryOffset: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly (AlertingRule | RecordingRule)[];
  readonly input: RuleGroupInput;
}

/** A validated rule file: what `loadRules` returns and the engine runs. */
export interface LoadedRules {
  readonly groups: readonly RuleGroup[];
}
