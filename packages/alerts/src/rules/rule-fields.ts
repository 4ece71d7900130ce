import { parseDuration, TelltaleError } from '@telltale/core';
import { parsePromql, type ParsedExpression } from '../promql/parse.js';
import { compileTemplate, type CompiledTemplate } from '../templates/template.js';
import type { CompiledLabels } from './rule-types.js';

// Validation of the fields a rule file shares between groups and rules; every error names where.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus' metric name syntax (recording rule names). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Where in the rule file a problem is. */
export interface Location {
  group?: string;
  rule?: string;
  field?: string;
}

/** The `TELLTALE_RULES_INVALID` error naming the group, rule and field. */
export function invalid(location: Location, message: string, cause?: unknown): TelltaleError {
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

/** A plain map (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `labels`/`annotations` map; values are stringified as YAML scalars. */
export function stringMap(value: unknown, location: Location, checkNames: boolean): Record<string, string> {
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

/** Compiles every value as a template; a template error names its key. */
export function compileLabels(values: Record<string, string>, location: Location): CompiledLabels {
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

/** A Prometheus duration (`5m`); absent is 0. */
export function duration(value: unknown, location: Location): number {
  if (value === undefined || value === null) return 0;
  try {
    return parseDuration(value as string, location.field);
  } catch (error) {
    throw invalid(location, `expected a duration like "5m", got ${JSON.stringify(value)}`, error);
  }
}

/** A PromQL expression that evaluates to an instant vector or a scalar. */
export function expression(value: unknown, location: Location): ParsedExpression {
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
