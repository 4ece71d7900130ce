import { TelltaleError } from '@telltale/core';

/** One token inside `{{ ... }}`, as Go's text/template lexer produces it. */
export type Token =
  | { readonly type: 'string'; readonly value: string; readonly spaced: boolean }
  | { readonly type: 'number'; readonly text: string; readonly spaced: boolean }
  | { readonly type: 'char'; readonly value: bigint; readonly spaced: boolean }
  | { readonly type: 'field'; readonly name: string; readonly spaced: boolean }
  | { readonly type: 'variable'; readonly name: string; readonly spaced: boolean }
  | { readonly type: 'identifier'; readonly name: string; readonly spaced: boolean }
  | { readonly type: 'dot' | 'pipe' | 'open' | 'close' | 'declare' | 'assign' | 'comma'; readonly spaced: boolean };

/** Text between actions, or one action's tokens (comments are dropped). */
export type Segment =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly tokens: readonly Token[]; readonly source: string };

/** A template that does not parse (`TELLTALE_TEMPLATE`). */
export function templateError(source: string, message: string): TelltaleError {
  return new TelltaleError('TELLTALE_TEMPLATE', `Invalid template ${JSON.stringify(source)}: ${message}`, {
    details: { template: source },
  });
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Go's `strconv.Unquote` for the body of a double-quoted or char literal. */
function unquote(body: string, fail: (message: string) => Error): string {
  return body.replace(/\\(x[\da-fA-F]{2}|u[\da-fA-F]{4}|U[\da-fA-F]{8}|[0-7]{3}|.)/g, (_match, escape: string) => {
    if (ESCAPES[escape] !== undefined) return ESCAPES[escape];
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]{3}$/.test(escape)) return String.fromCodePoint(parseInt(escape, 8));
    throw fail(`invalid syntax in quoted string: unknown escape \\${escape}`);
  });
}

const TOKEN =
  /(\s*)(?:("(?:[^"\\\n]|\\.)*")|(`[^`]*`)|('(?:[^'\\\n]|\\.)+')|([+-]?(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?))|(\.[A-Za-z_][\w]*)|(\$[\w]*)|([A-Za-z_][\w]*)|(:=)|(=)|(\|)|(\()|(\))|(,)|(\.))/y;

function tokenize(action: string, source: string): Token[] {
  const fail = (message: string) => templateError(source, message);
  const tokens: Token[] = [];
  let index = 0;
  while (index < action.length) {
    if (/^\s*$/.test(action.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(action);
    if (!match) throw fail(`unexpected ${JSON.stringify(action.slice(index).trim()[0])} in command`);
    index = TOKEN.lastIndex;
    const spaced = match[1] !== '' || tokens.length === 0;
    const [, , quoted, raw, char, number, field, variable, identifier] = match;
    if (quoted !== undefined) tokens.push({ type: 'string', value: unquote(quoted.slice(1, -1), fail), spaced });
    else if (raw !== undefined) tokens.push({ type: 'string', value: raw.slice(1, -1), spaced });
    else if (char !== undefined) {
      const text = unquote(char.slice(1, -1), fail);
      if ([...text].length !== 1) throw fail(`malformed character constant: ${char}`);
      tokens.push({ type: 'char', value: BigInt(text.codePointAt(0)!), spaced });
    } else if (number !== undefined) tokens.push({ type: 'number', text: number, spaced });
    else if (field !== undefined) tokens.push({ type: 'field', name: field.slice(1), spaced });
    else if (variable !== undefined) tokens.push({ type: 'variable', name: variable, spaced });
    else if (identifier !== undefined) tokens.push({ type: 'identifier', name: identifier, spaced });
    else {
      const types = ['declare', 'assign', 'pipe', 'open', 'close', 'comma', 'dot'] as const;
      const offset = match.slice(9).findIndex((group) => group !== undefined);
      tokens.push({ type: types[offset]!, spaced });
    }
  }
  return tokens;
}

/**
 * Splits a template into text and actions, applying Go's trim markers
 * (`{{- ` trims the space before, ` -}}` the space after) and dropping
 * `{{/* comments *\/}}`.
 */
export function lexTemplate(source: string): Segment[] {
  const segments: Segment[] = [];
  let rest = source;
  let trimNext = false;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    let text = open === -1 ? rest : rest.slice(0, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open === -1) {
      if (text) segments.push({ type: 'text', text });
      break;
    }
    let inner = rest.slice(open + 2);
    if (/^-[ \t\r\n]/.test(inner)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner = inner.slice(1);
    }
    if (text) segments.push({ type: 'text', text });
    const trimmedStart = inner.replace(/^[ \t\r\n]+/, '');
    if (trimmedStart.startsWith('/*')) {
      const end = trimmedStart.indexOf('*/');
      if (end === -1) throw templateError(source, 'unclosed comment');
      const after = trimmedStart.slice(end + 2);
      const close = /^(?:[ \t\r\n]+-)?}}/.exec(after);
      if (!close) throw templateError(source, 'comment ends before closing delimiter');
      trimNext = close[0].length > 2;
      rest = after.slice(close[0].length);
      continue;
    }
    // The action ends at the first `}}` outside a string literal.
    const end = /^(?:"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\\n]|\\.)*'|[^"`'}]|}(?!}))*/.exec(inner)![0].length;
    if (!inner.startsWith('}}', end)) throw templateError(source, 'unclosed action');
    let action = inner.slice(0, end);
    trimNext = /[ \t\r\n]-$/.test(action);
    if (trimNext) action = action.slice(0, -1);
    segments.push({ type: 'action', tokens: tokenize(action, source), source: action.trim() });
    rest = inner.slice(end + 2);
  }
  return segments;
}
