import { TelltaleError } from '@telltale/core';
import { parsePromql } from '../promql/parse.js';
import type { Labels } from '../store/labels.js';

/** One expanded input value: a number, a gap (`_`) or a staleness marker. */
export type InputValue = number | 'missing' | 'stale';

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN`;
const EXPANDING = new RegExp(`^(${NUMBER})(?:([+-])(${NUMBER}))?x(\\d+)$`);

function number(text: string): number {
  if (/^[+]?Inf$/.test(text)) return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

/**
 * Expands promtool's input notation: `0+10x3` → `0 10 20 30`, `1-2x2` →
 * `1 -1 -3`, `5x2` → `5 5 5`, `_x3` → three gaps, `stale`, plain numbers.
 *
 * @example
 * ```ts
 * import { expandSeriesValues } from '@telltale/alerts';
 * expandSeriesValues('0+10x3 _ stale'); // [0, 10, 20, 30, 'missing', 'stale']
 * ```
 */
export function expandSeriesValues(notation: string): InputValue[] {
  const values: InputValue[] = [];
  for (const token of String(notation).trim().split(/\s+/).filter(Boolean)) {
    if (token === '_') values.push('missing');
    else if (token === 'stale') values.push('stale');
    else if (/^_x\d+$/.test(token)) {
      for (let index = 0; index < Number(token.slice(2)); index++) values.push('missing');
    } else if (new RegExp(`^(?:${NUMBER})$`).test(token)) values.push(number(token));
    else {
      const match = EXPANDING.exec(token);
      if (!match) {
        throw new TelltaleError(
          'TELLTALE_RULES_INVALID',
          `Invalid series value ${JSON.stringify(token)} in ${JSON.stringify(notation)}`,
        );
      }
      const start = number(match[1]!);
      const step = match[2] ? (match[2] === '-' ? -1 : 1) * number(match[3]!) : 0;
      const count = Number(match[4]);
      for (let index = 0; index <= count; index++) values.push(start + index * step);
    }
  }
  return values;
}

/** Parses a series description such as `http_requests_total{job="api"}` into labels. */
export function parseSeriesLabels(text: string): Labels {
  if (/^\s*(\{\s*\})?\s*$/.test(text)) return {};
  const parsed = parsePromql(text);
  const root = parsed.root;
  if (root.kind !== 'vectorSelector' || root.offset !== 0) {
    throw new TelltaleError('TELLTALE_RULES_INVALID', `Invalid series description ${JSON.stringify(text)}`);
  }
  const labels: Record<string, string> = {};
  if (root.name !== undefined) labels.__name__ = root.name;
  for (const matcher of root.matchers) {
    if (matcher.operator !== '=') {
      throw new TelltaleError(
        'TELLTALE_RULES_INVALID',
        `Series description ${JSON.stringify(text)} may only use "=" matchers`,
      );
    }
    if (matcher.value !== '') labels[matcher.name] = matcher.value;
  }
  return labels;
}
