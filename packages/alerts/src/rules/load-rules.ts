import { parse as parseYaml } from 'yaml';
import {
  compileLabels,
  duration,
  expression,
  invalid,
  isRecord,
  METRIC_NAME,
  stringMap,
  type Location,
} from './rule-fields.js';
import { telltaleSettings } from './telltale-settings.js';
import type {
  AlertingRule,
  LoadedRules,
  RecordingRule,
  RuleFileInput,
  RuleGroup,
  RuleGroupInput,
  RuleInput,
} from './rule-types.js';

export type {
  AlertingRule,
  CompiledLabels,
  ErrorHandling,
  LoadedRules,
  NoDataHandling,
  RecordingRule,
  RuleFileInput,
  RuleGroup,
  RuleGroupInput,
  RuleInput,
  TelltaleRuleSettings,
} from './rule-types.js';

const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations', 'telltale']);

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
  const extra = telltaleSettings(value.telltale, location, parsed);
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
