import { TelltaleError } from '@telltale/core';
import { formatValue, printf } from './go-format.js';
import { humanize, humanizeDuration, humanizePercentage } from './humanize.js';

/** What a label or annotation template can read. */
export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
}

/** A template compiled at load time. */
export type CompiledTemplate = (data: TemplateData) => string;

type Token =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'variable'; path: string[] }
  | { type: 'field'; path: string[] }
  | { type: 'identifier'; value: string }
  | { type: 'pipe' };

type Operand = Exclude<Token, { type: 'pipe' } | { type: 'identifier' }>;
interface Command {
  readonly name: string | undefined;
  readonly args: readonly (Operand | { type: 'identifier'; value: string })[];
}

const FUNCTIONS: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  humanize: (value) => humanize(toNumber(value)),
  humanizePercentage: (value) => humanizePercentage(toNumber(value)),
  humanizeDuration: (value) => humanizeDuration(toNumber(value)),
  printf: (format, ...args) => printf(String(format), args),
  toUpper: (value) => String(value).toUpperCase(),
  toLower: (value) => String(value).toLowerCase(),
  title: (value) => String(value).replace(/\b\w/g, (letter) => letter.toUpperCase()),
  index: (map, key) => (map as Record<string, string> | undefined)?.[String(key)] ?? '',
};

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const number = Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(number)) return number;
  throw new Error(`can't convert ${JSON.stringify(value)} to float`);
}

function templateError(source: string, message: string): TelltaleError {
  return new TelltaleError('TELLTALE_TEMPLATE', `Invalid template ${JSON.stringify(source)}: ${message}`, {
    details: { template: source },
  });
}

function tokenize(action: string, source: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|((?:\.[A-Za-z0-9_]+)+|\.)|([A-Za-z_][A-Za-z0-9_]*)|(\|))/y;
  let index = 0;
  while (index < action.length) {
    if (/^\s*$/.test(action.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(action);
    if (!match) throw templateError(source, `unexpected ${JSON.stringify(action.slice(index).trim())} in action`);
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ type: 'string', value: JSON.parse(match[1]) as string });
    else if (match[2]) tokens.push({ type: 'string', value: match[2].slice(1, -1) });
    else if (match[3]) tokens.push({ type: 'number', value: Number(match[3]) });
    else if (match[4]) tokens.push({ type: 'variable', path: match[4].slice(1).split('.') });
    else if (match[5]) tokens.push({ type: 'field', path: match[5].split('.').slice(1).filter(Boolean) });
    else if (match[6]) tokens.push({ type: 'identifier', value: match[6] });
    else tokens.push({ type: 'pipe' });
  }
  return tokens;
}

const CONTROL = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'define',
  'break',
  'continue',
]);
const VARIABLES = new Set(['labels', 'value', 'externalLabels', 'externalURL']);
const FIELDS = new Set(['Labels', 'Value', 'ExternalLabels', 'ExternalURL']);

function parseAction(action: string, source: string): Command[] {
  const tokens = tokenize(action, source);
  if (tokens.length === 0) throw templateError(source, 'missing value for command');
  const commands: Command[] = [];
  let current: Token[] = [];
  const flush = (): void => {
    if (current.length === 0) throw templateError(source, 'missing command in pipeline');
    const [first, ...rest] = current;
    if (first!.type === 'identifier') {
      if (CONTROL.has(first!.value)) throw templateError(source, `unsupported template action "${first!.value}"`);
      if (!FUNCTIONS[first!.value]) throw templateError(source, `function "${first!.value}" not defined`);
      commands.push({ name: first!.value, args: rest as Command['args'] });
    } else {
      if (rest.length > 0) throw templateError(source, `can't give argument to non-function`);
      commands.push({ name: undefined, args: [first as Operand] });
    }
    current = [];
  };
  for (const token of tokens) {
    if (token.type === 'variable' && !VARIABLES.has(token.path[0]!)) {
      throw templateError(source, `undefined variable "$${token.path[0]}"`);
    }
    if (token.type === 'field' && token.path.length > 0 && !FIELDS.has(token.path[0]!)) {
      throw templateError(source, `can't evaluate field ${token.path[0]}`);
    }
    if (token.type === 'pipe') flush();
    else current.push(token);
  }
  flush();
  return commands;
}

function resolve(operand: Command['args'][number], data: TemplateData): unknown {
  switch (operand.type) {
    case 'string':
    case 'number':
      return operand.value;
    case 'identifier': {
      const fn = FUNCTIONS[operand.value];
      return fn ? fn() : undefined;
    }
    case 'variable':
    case 'field': {
      const [head, ...rest] = operand.path;
      const root: Record<string, unknown> = {
        labels: data.labels,
        Labels: data.labels,
        value: data.value,
        Value: data.value,
        externalLabels: data.externalLabels,
        ExternalLabels: data.externalLabels,
        externalURL: data.externalURL,
        ExternalURL: data.externalURL,
      };
      let current: unknown = head === undefined ? root : root[head];
      for (const key of rest) {
        // Prometheus renders a missing map key as the empty string (missingkey=zero).
        current =
          typeof current === 'object' && current !== null ? ((current as Record<string, unknown>)[key] ?? '') : '';
      }
      return current;
    }
  }
}

function print(value: unknown): string {
  if (typeof value === 'number') return formatValue(value);
  if (typeof value === 'object' && value !== null) {
    return `map[${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, item]) => `${key}:${String(item)}`)
      .join(' ')}]`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/**
 * Compiles a Prometheus-style label/annotation template (`{{ $labels.x }}`,
 * `{{ $value | humanize }}`, `{{ printf "%.2f" $value }}`). Syntax errors
 * throw at load time; run-time errors are returned by the compiled function
 * as Prometheus renders them (`<error expanding template: ...>`), never thrown.
 *
 * @example
 * ```ts
 * import { compileTemplate } from '@telltale/alerts';
 * const render = compileTemplate('{{ $labels.route }} at {{ humanizePercentage $value }}');
 * render({ labels: { route: '/pay' }, value: 0.05, externalLabels: {}, externalURL: '' }); // '/pay at 5%'
 * ```
 */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: (string | Command[])[] = [];
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open === -1) {
      parts.push(rest);
      break;
    }
    let text = rest.slice(0, open);
    let inner = rest.slice(open + 2);
    const close = inner.indexOf('}}');
    if (close === -1) throw templateError(source, 'unclosed action');
    let action = inner.slice(0, close);
    inner = inner.slice(close + 2);
    if (action.startsWith('- ') || action === '-') {
      text = text.trimEnd();
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      action = action.slice(0, -1);
      inner = inner.trimStart();
    }
    parts.push(text);
    const trimmed = action.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) parts.push(parseAction(action, source));
    rest = inner;
  }
  if (parts.every((part) => typeof part === 'string')) {
    const constant = parts.join('');
    return () => constant;
  }
  return (data) => {
    try {
      let output = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          output += part;
          continue;
        }
        let piped: unknown = undefined;
        part.forEach((command, index) => {
          const args = command.args.map((arg) => resolve(arg, data));
          if (index > 0) args.push(piped);
          piped = command.name === undefined ? args[0] : FUNCTIONS[command.name]!(...args);
        });
        output += print(piped);
      }
      return output;
    } catch (error) {
      return `<error expanding template: ${(error as Error).message}>`;
    }
  };
}
