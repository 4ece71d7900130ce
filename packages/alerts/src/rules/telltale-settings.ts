import { COMPARISON_OPERATORS, type BinaryNode } from '../promql/ast.js';
import type { ParsedExpression } from '../promql/parse.js';
import { invalid, isRecord, type Location } from './rule-fields.js';
import type { ErrorHandling, NoDataHandling } from './rule-types.js';

// Telltale's additions to an alerting rule, under `telltale:` (exportPrometheusRules strips them).

/** The firing rule's resolve condition: `<query> <op> <number>` with the number replaced. */
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

/** The `telltale:` settings of an alerting rule (defaults: noData `ok`, error `keepLast`). */
export function telltaleSettings(value: unknown, location: Location, parsed: ParsedExpression) {
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
