import { parse as parseYaml } from 'yaml';
import { parseDuration, TelltaleError } from '@telltale/core';
import { parsePromql, type ParsedExpression } from '../promql/parse.js';
import { COMPARISON_OPERATORS, type BinaryNode } from '../promql/ast.js';
import { compileTemplate, type CompiledTemplate } from '../templates/template.js';

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

interface CompiledLabels {
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

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations', 'telltale']);

interface Location {
  group?: string;
  rule?: string;
  field?: string;
}

function invalid(location: Location, message: string, cause?: unknown): TelltaleError {
  const where = [
    location.group !== undefined ? `group ${JSON.stringify(location.group)}` : undefined,
    location.rule !== undefined ? `rule ${location.rule}` : undefined,
    location.field !== undefined ? `field "${location.field}"` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return new TelltaleError('TELLTALE_RULES_INVALID', `Invalid rule file${where ? ` (${where})` : ''}: ${message}`, {
    cause,
    details: { ...location },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, location: Location, checkNames: boolean): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(location, 'expected a map of strings');
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (checkNames && !LABEL_NAME.test(key)) throw invalid(location, `invalid label name ${JSON.stringify(key)}`);
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw invalid(location, `value of ${JSON.stringify(key)} must be a string`);
    }
    result[key] = String(item);
  }
  return result;
}

function compileLabels(values: Record<string, string>, location: Location): CompiledLabels {
  const templates: Record<string, CompiledTemplate> = {};
  for (const [key, template] of Object.entries(values)) {
    try {
      templates[key] = compileTemplate(template);
    } catch (error) {
      throw invalid({ ...location, field: `${location.field}.${key}` }, (error as Error).message, error);
    }
  }
  return { source: values, templates };
}

function duration(value: unknown, location: Location): number {
  if (value === undefined || value === null) return 0;
  try {
    return parseDuration(value as string, location.field);
  } catch (error) {
    throw invalid(location, `expected a duration like "5m", got ${JSON.stringify(value)}`, error);
  }
}

function expression(value: unknown, location: Location): ParsedExpression {
  if (typeof value !== 'string' && typeof value !== 'number') throw invalid(location, 'expected a PromQL expression');
  try {
    const parsed = parsePromql(String(value));
    if (parsed.type !== 'vector' && parsed.type !== 'scalar') {
      throw invalid(location, `expression must evaluate to an instant vector or scalar, got ${parsed.type}`);
    }
    return parsed;
  } catch (error) {
    if (TelltaleError.is(error, 'TELLTALE_RULES_INVALID')) throw error;
    throw invalid(location, (error as Error).message, error);
  }
}

function resolveExpression(parsed: ParsedExpression, threshold: number, location: Location): ParsedExpression {
  const root = parsed.root;
  if (
    root.kind !== 'binary' ||
    !COMPARISON_OPERATORS.has(root.operator) ||
    root.returnBool ||
    root.right.kind !== 'number'
  ) {
    throw invalid(location, 'resolveThreshold needs an expression of the form `<query> <comparison> <number>`');
  }
  const replaced: BinaryNode = { ...root, right: { kind: 'number', value: threshold } };
  return { source: `${parsed.source} (resolve threshold ${threshold})`, root: replaced, type: parsed.type };
}

function settings(value: unknown, location: Location, parsed: ParsedExpression) {
  const field = { ...location, field: 'telltale' };
  if (value === undefined) return { noData: 'ok' as const, error: 'keepLast' as const, resolve: undefined };
  if (!isRecord(value)) throw invalid(field, 'expected a map');
  for (const key of Object.keys(value)) {
    if (!['noData', 'error', 'resolveThreshold'].includes(key))
      throw invalid({ ...field, field: `telltale.${key}` }, 'unknown field');
  }
  const noData = value.noData ?? 'ok';
  if (!['ok', 'alerting', 'noData', 'keepLast'].includes(noData as string)) {
    throw invalid({ ...field, field: 'telltale.noData' }, 'expected one of "ok", "alerting", "noData", "keepLast"');
  }
  const error = value.error ?? 'keepLast';
  if (!['ok', 'alerting', 'error', 'keepLast'].includes(error as string)) {
    throw invalid({ ...field, field: 'telltale.error' }, 'expected one of "ok", "alerting", "error", "keepLast"');
  }
  let resolve: ParsedExpression | undefined;
  if (value.resolveThreshold !== undefined) {
    if (typeof value.resolveThreshold !== 'number' || !Number.isFinite(value.resolveThreshold)) {
      throw invalid({ ...field, field: 'telltale.resolveThreshold' }, 'expected a finite number');
    }
    resolve = resolveExpression(parsed, value.resolveThreshold, { ...field, field: 'telltale.resolveThreshold' });
  }
  return { noData: noData as NoDataHandling, error: error as ErrorHandling, resolve };
}

function loadRule(value: unknown, index: number, group: string): AlertingRule | RecordingRule {
  const base: Location = { group, rule: `#${index + 1}` };
  if (!isRecord(value)) throw invalid(base, 'expected a map');
  const named =
    typeof value.alert === 'string' ? value.alert : typeof value.record === 'string' ? value.record : undefined;
  const location: Location = { group, rule: named ? `${JSON.stringify(named)} (#${index + 1})` : `#${index + 1}` };
  for (const key of Object.keys(value))
    if (!RULE_FIELDS.has(key)) throw invalid({ ...location, field: key }, 'unknown field');
  if ((value.alert === undefined) === (value.record === undefined)) {
    throw invalid(location, 'exactly one of "alert" and "record" must be set');
  }
  const parsed = expression(value.expr, { ...location, field: 'expr' });
  const input = value as unknown as RuleInput;
  if (value.record !== undefined) {
    if (typeof value.record !== 'string' || !METRIC_NAME.test(value.record)) {
      throw invalid({ ...location, field: 'record' }, `invalid recording rule name ${JSON.stringify(value.record)}`);
    }
    for (const field of ['for', 'keep_firing_for', 'annotations', 'telltale']) {
      if (value[field] !== undefined) throw invalid({ ...location, field }, 'invalid field for a recording rule');
    }
    const labels = stringMap(value.labels, { ...location, field: 'labels' }, true);
    return { kind: 'record', name: value.record, expression: parsed, labels, input };
  }
  if (typeof value.alert !== 'string' || value.alert.trim() === '') {
    throw invalid({ ...location, field: 'alert' }, 'expected a non-empty alert name');
  }
  const labels = stringMap(value.labels, { ...location, field: 'labels' }, true);
  const annotations = stringMap(value.annotations, { ...location, field: 'annotations' }, true);
  const extra = settings(value.telltale, location, parsed);
  return {
    kind: 'alert',
    name: value.alert,
    expression: parsed,
    resolveExpression: extra.resolve,
    for: duration(value.for, { ...location, field: 'for' }),
    keepFiringFor: duration(value.keep_firing_for, { ...location, field: 'keep_firing_for' }),
    labels: compileLabels(labels, { ...location, field: 'labels' }),
    annotations: compileLabels(annotations, { ...location, field: 'annotations' }),
    noData: extra.noData,
    error: extra.error,
    input,
  };
}

function groupLimit(value: unknown, group: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid({ group, field: 'limit' }, 'expected an integer >= 0');
  }
  return value;
}

/**
 * Loads and validates a Prometheus rule file (YAML text or the parsed
 * object): every expression is parsed and type-checked, every template
 * compiled. Errors name the group, the rule and the field.
 *
 * @throws TelltaleError `TELLTALE_RULES_INVALID`.
 * @example
 * ```ts
 * import { loadRules } from '@telltale/alerts';
 * const rules = loadRules(`
 * groups:
 *   - name: api
 *     rules:
 *       - alert: HighErrorRate
 *         expr: sum(rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m])) > 1
 *         for: 5m
 * `);
 * ```
 */
export function loadRules(input: RuleFileInput | LoadedRules): LoadedRules {
  if (
    isRecord(input) &&
    Array.isArray(input.groups) &&
    input.groups.every((group) => isRecord(group) && 'input' in group)
  ) {
    return input as unknown as LoadedRules;
  }
  let document: unknown = input;
  if (typeof input === 'string') {
    try {
      document = parseYaml(input);
    } catch (error) {
      throw invalid({}, `YAML syntax error: ${(error as Error).message}`, error);
    }
  }
  if (document === null || document === undefined) return { groups: [] };
  if (!isRecord(document)) throw invalid({}, 'expected a map with a "groups" list');
  for (const key of Object.keys(document)) if (key !== 'groups') throw invalid({ field: key }, 'unknown field');
  if (document.groups === undefined || document.groups === null) return { groups: [] };
  if (!Array.isArray(document.groups)) throw invalid({ field: 'groups' }, 'expected a list');
  const names = new Set<string>();
  const groups = document.groups.map((value: unknown, index): RuleGroup => {
    if (!isRecord(value)) throw invalid({ group: `#${index + 1}` }, 'expected a map');
    const name = value.name;
    if (typeof name !== 'string' || name === '')
      throw invalid({ group: `#${index + 1}`, field: 'name' }, 'group name must not be empty');
    if (names.has(name)) throw invalid({ group: name, field: 'name' }, 'repeated group name');
    names.add(name);
    for (const key of Object.keys(value))
      if (!GROUP_FIELDS.has(key)) throw invalid({ group: name, field: key }, 'unknown field');
    const interval =
      value.interval === undefined ? undefined : duration(value.interval, { group: name, field: 'interval' });
    if (interval === 0) throw invalid({ group: name, field: 'interval' }, 'interval must be positive');
    if (!Array.isArray(value.rules)) throw invalid({ group: name, field: 'rules' }, 'expected a list of rules');
    return {
      name,
      interval,
      limit: groupLimit(value.limit, name),
      queryOffset: duration(value.query_offset, { group: name, field: 'query_offset' }),
      labels: stringMap(value.labels, { group: name, field: 'labels' }, true),
      rules: value.rules.map((rule: unknown, ruleIndex) => loadRule(rule, ruleIndex, name)),
      input: value as unknown as RuleGroupInput,
    };
  });
  return { groups };
}
