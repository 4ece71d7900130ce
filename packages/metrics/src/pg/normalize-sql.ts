/** Longest normalised statement kept; longer text is cut and ends with `…`. */
export const MAX_NORMALIZED_SQL_LENGTH = 2048;

const isIdentifierChar = (code: number): boolean =>
  (code >= 48 && code <= 57) || // 0-9
  (code >= 65 && code <= 90) || // A-Z
  (code >= 97 && code <= 122) || // a-z
  code === 95 || // _
  code === 36 || // $
  code > 127;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** End index (exclusive) of the quoted string opening at `start`; `backslashes` for `E'...'`. */
function endOfString(sql: string, start: number, backslashes: boolean): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (backslashes && char === '\\') index += 2;
    else if (char === "'") {
      if (sql[index + 1] === "'") index += 2;
      else return index + 1;
    } else index++;
  }
  return sql.length;
}

/** `$tag$` (or `$$`) opening a dollar-quoted string at `start`, else undefined (`$1` is a placeholder). */
function dollarTag(sql: string, start: number): string | undefined {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start, start + 66));
  return match?.[0];
}

/**
 * SQL text safe to log: every literal (strings, dollar-quoted bodies,
 * numbers, `E''`/`B''`/`X''` strings) becomes `?`, comments are removed
 * (SQL commenter tags carry trace ids and sometimes user data), whitespace
 * collapses, and placeholders (`$1`), identifiers and keywords stay. The
 * result never contains a parameter value: parameters travel separately and
 * are never read.
 *
 * @example
 * ```ts
 * import { normalizeSql } from '@telltale/metrics/pg';
 * normalizeSql("SELECT * FROM readings WHERE id = 42 AND owner = 'ann' -- hot");
 * // → 'SELECT * FROM readings WHERE id = ? AND owner = ?'
 * ```
 */
export function normalizeSql(sql: string): string {
  let out = '';
  let index = 0;
  const emit = (text: string): void => {
    // Keep one space between tokens; none at the start.
    if (text === ' ') {
      if (out !== '' && !out.endsWith(' ')) out += ' ';
    } else out += text;
  };
  while (index < sql.length && out.length <= MAX_NORMALIZED_SQL_LENGTH) {
    const char = sql[index]!;
    const code = sql.charCodeAt(index);
    const previous = index > 0 ? sql.charCodeAt(index - 1) : 32;
    if (char === '-' && sql[index + 1] === '-') {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
      emit(' ');
    } else if (char === '/' && sql[index + 1] === '*') {
      const end = sql.indexOf('*/', index + 2);
      index = end === -1 ? sql.length : end + 2;
      emit(' ');
    } else if (char === "'") {
      index = endOfString(sql, index, false);
      emit('?');
    } else if (
      'eEbBxX'.includes(char) &&
      sql[index + 1] === "'" &&
      !isIdentifierChar(previous) &&
      previous !== 39 /* ' */
    ) {
      index = endOfString(sql, index + 1, char === 'e' || char === 'E');
      emit('?');
    } else if (char === '"') {
      // Quoted identifier: kept as written.
      const end = sql.indexOf('"', index + 1);
      const stop = end === -1 ? sql.length : end + 1;
      emit(sql.slice(index, stop));
      index = stop;
    } else if (char === '$' && !isIdentifierChar(previous) && dollarTag(sql, index) !== undefined) {
      const tag = dollarTag(sql, index)!;
      const end = sql.indexOf(tag, index + tag.length);
      index = end === -1 ? sql.length : end + tag.length;
      emit('?');
    } else if (char === '$' && isDigit(sql.charCodeAt(index + 1))) {
      let end = index + 1;
      while (end < sql.length && isDigit(sql.charCodeAt(end))) end++;
      emit(sql.slice(index, end));
      index = end;
    } else if ((isDigit(code) || (char === '.' && isDigit(sql.charCodeAt(index + 1)))) && !isIdentifierChar(previous)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(index, index + 400))!;
      index += match[0].length;
      emit('?');
    } else if (char === ' ' || char === '\n' || char === '\t' || char === '\r' || char === '\f') {
      index++;
      emit(' ');
    } else if (isIdentifierChar(code)) {
      let end = index + 1;
      while (end < sql.length && isIdentifierChar(sql.charCodeAt(end))) end++;
      emit(sql.slice(index, end));
      index = end;
    } else {
      emit(char);
      index++;
    }
  }
  out = out.trimEnd();
  return out.length > MAX_NORMALIZED_SQL_LENGTH || index < sql.length
    ? `${out.slice(0, MAX_NORMALIZED_SQL_LENGTH)}…`
    : out;
}

/**
 * `db.operation.name` for a statement: its first keyword in upper case
 * (`SELECT`, `INSERT`, `WITH`, ...), after leading comments and parentheses;
 * undefined when the text does not start with a keyword. Bounded by the SQL
 * grammar, never by the data.
 */
export function operationName(sql: string): string | undefined {
  let index = 0;
  for (;;) {
    while (index < sql.length && ' \n\t\r\f('.includes(sql[index]!)) index++;
    if (sql.startsWith('--', index)) {
      const end = sql.indexOf('\n', index);
      if (end === -1) return undefined;
      index = end + 1;
    } else if (sql.startsWith('/*', index)) {
      const end = sql.indexOf('*/', index + 2);
      if (end === -1) return undefined;
      index = end + 2;
    } else break;
  }
  let end = index;
  while (end < sql.length && end - index <= 32) {
    const code = sql.charCodeAt(end) | 0x20;
    if (code < 97 || code > 122) break;
    end++;
  }
  if (end === index || end - index > 32) return undefined;
  return sql.slice(index, end).toUpperCase();
}
