import { TelltaleError } from '@telltale/core';
import { compileLabelRegex, regexErrorMessage, type LabelRegex } from '../promql/regex.js';
import type { Labels } from '../store/labels.js';

/** A matcher operator, as in Alertmanager. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One parsed label matcher. */
export interface Matcher {
  readonly name: string;
  readonly operator: MatchOperator;
  readonly value: string;
  /** Fully anchored RE2 regex for `=~` / `!~` (Go `regexp` syntax, linear time). */
  readonly regex?: LabelRegex;
}

/** A matcher as users write it: `'severity=~"critical|page"'` or an object. */
export type MatcherInput = string | { name: string; operator?: MatchOperator; value: string };

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

function invalid(input: unknown, reason: string): never {
  throw new TelltaleError('TELLTALE_INVALID_INPUT', `Invalid matcher ${JSON.stringify(input)}: ${reason}`, {
    details: { matcher: input, reason },
  });
}

function unquote(raw: string, input: string): string {
  if (!raw.startsWith('"')) return raw;
  if (raw.length < 2 || !raw.endsWith('"')) invalid(input, 'unterminated quoted value');
  let result = '';
  for (let index = 1; index < raw.length - 1; index++) {
    const char = raw[index]!;
    if (char === '"') invalid(input, 'unescaped quote inside value');
    if (char !== '\\') {
      result += char;
      continue;
    }
    const next = raw[++index];
    if (next === 'n') result += '\n';
    else if (next === '\\' || next === '"') result += next;
    else invalid(input, `unknown escape "\\${next ?? ''}"`);
  }
  return result;
}

/**
 * Builds a matcher; regexes are RE2 (Go syntax) and fully anchored like Alertmanager's.
 */
export function createMatcher(name: string, operator: MatchOperator, value: string): Matcher {
  if (operator !== '=~' && operator !== '!~') return { name, operator, value };
  let regex: LabelRegex;
  try {
    regex = compileLabelRegex(value);
  } catch (error) {
    invalid(`${name}${operator}"${value}"`, regexErrorMessage(error));
  }
  return { name, operator, value, regex };
}

/** Parses one matcher in Alertmanager's syntax (`name="value"`, `name=~value`, ...). */
export function parseMatcher(input: MatcherInput): Matcher {
  if (typeof input === 'object' && input !== null) {
    if (typeof input.name !== 'string' || typeof input.value !== 'string') invalid(input, 'needs name and value');
    const operator = input.operator ?? '=';
    if (!['=', '!=', '=~', '!~'].includes(operator)) invalid(input, `unknown operator "${operator}"`);
    return createMatcher(input.name, operator, input.value);
  }
  if (typeof input !== 'string') invalid(input, 'expected a string such as severity="critical"');
  const match = MATCHER.exec(input);
  if (!match) invalid(input, 'expected <name><op><value> with op one of = != =~ !~');
  return createMatcher(match[1]!, match[2] as MatchOperator, unquote(match[3]!, input));
}

function splitList(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\' && quoted) {
      current += char + (text[++index] ?? '');
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

/**
 * Parses a matcher list: an array of matchers, or one string such as
 * `'{alertname="High", severity=~"critical|page"}'` (braces optional).
 * Regexes are fully anchored, as in Alertmanager.
 *
 * @example
 * ```ts
 * import { parseMatchers } from '@telltale/alerts';
 * parseMatchers('severity=~"critical|page", team!="db"');
 * // [{ name: 'severity', operator: '=~', value: 'critical|page', regex: /^(?:critical|page)$/s }, ...]
 * ```
 */
export function parseMatchers(input: string | readonly MatcherInput[]): Matcher[] {
  if (typeof input === 'string') {
    const trimmed = input.trim();
    const body = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed;
    return splitList(body).map((part) => parseMatcher(part));
  }
  if (!Array.isArray(input)) invalid(input, 'expected an array of matchers or a matcher string');
  const list: readonly MatcherInput[] = input;
  return list.map((item) => parseMatcher(item));
}

/** Whether one matcher matches a label set (a missing label is the empty string, as in Alertmanager). */
export function matcherMatches(matcher: Matcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}

/** Whether every matcher matches. */
export function matchersMatch(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matcherMatches(matcher, labels));
}

function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')}"`;
}

/** Alertmanager's `Matcher.String()`: `name="value"` (OpenMetrics escaping). */
export function matcherString(matcher: Matcher): string {
  return `${matcher.name}${matcher.operator}${quote(matcher.value)}`;
}

/** Alertmanager's `Matchers.String()`: `{a="b",c=~"d"}`. */
export function matchersString(matchers: readonly Matcher[]): string {
  return `{${matchers.map((matcher) => matcherString(matcher)).join(',')}}`;
}

const OPERATOR_ORDER: Record<MatchOperator, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Alertmanager sorts a route's matchers by name, then value, then operator (`=`, `!=`, `=~`, `!~`). */
export function sortMatchers(matchers: readonly Matcher[]): Matcher[] {
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...matchers].sort(
    (a, b) =>
      compare(a.name, b.name) || compare(a.value, b.value) || OPERATOR_ORDER[a.operator] - OPERATOR_ORDER[b.operator],
  );
}

/** Prometheus' `LabelSet.String()`: sorted, `{a="1", b="2"}` with Go-quoted values. */
export function labelSetString(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(', ')}}`;
}

/** `Array.isArray` without narrowing, so typed (readonly) inputs keep their element type. */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}
