import { sprint, sprintf, sprintln } from './printf.js';
import type { TemplateFunction } from './functions.js';
import { compareGoStrings, goTypeName, isHtml, isMap, isTrue } from './values.js';

// Go's text/template builtins. `and`/`or` short-circuit, so the evaluator
// runs them itself; they are listed here for arity and name checks.

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function kindOf(value: unknown): Kind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string' || isHtml(value)) return 'string';
  if (value === undefined || value === null) return 'invalid';
  return 'other';
}

function basic(value: unknown): string | number | bigint | boolean {
  return isHtml(value) ? value.text : (value as string | number | bigint | boolean);
}

function eq(first: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = kindOf(first);
  for (const other of others) {
    const k2 = kindOf(other);
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new Error('incompatible types for comparison');
      continue;
    }
    if (k1 === 'invalid') return true;
    if (k1 === 'other') throw new Error(`non-comparable types ${goTypeName(first)}, ${goTypeName(other)}`);
    if (basic(first) === basic(other)) return true;
  }
  return false;
}

function lt(left: unknown, right: unknown): boolean {
  const k1 = kindOf(left);
  const k2 = kindOf(right);
  if (!['int', 'float', 'string', 'bool'].includes(k1) || !['int', 'float', 'string', 'bool'].includes(k2)) {
    throw new Error('invalid type for comparison');
  }
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'string') return compareGoStrings(String(basic(left)), String(basic(right))) < 0;
  return (left as number) < (right as number);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let current = item;
  for (const key of keys) {
    if (current === undefined || current === null) throw new Error('index of untyped nil');
    if (isMap(current)) {
      if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`);
      current = current.get(key);
    } else if (Array.isArray(current) || typeof current === 'string') {
      if (typeof key !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeName(key)}`);
      const length = typeof current === 'string' ? Buffer.byteLength(current) : current.length;
      if (key < 0n || key >= BigInt(length)) throw new Error(`index out of range: ${key}`);
      current = typeof current === 'string' ? BigInt(Buffer.from(current)[Number(key)]!) : current[Number(key)];
    } else throw new Error(`can't index item of type ${goTypeName(current)}`);
  }
  return current;
}

function length(item: unknown): bigint {
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item));
  if (isHtml(item)) return BigInt(Buffer.byteLength(item.text));
  if (isMap(item)) return BigInt(Object.keys(item.entries).length);
  if (Array.isArray(item)) return BigInt(item.length);
  throw new Error(`len of type ${goTypeName(item)}`);
}

/** The text the escaping builtins work on: a lone string as is, anything else through `fmt.Sprint`. */
function escapeInput(args: readonly unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\uFFFD',
};

const JS_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

/** Go's `url.QueryEscape`. */
export function queryEscape(text: string): string {
  return [...Buffer.from(text)]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-_.~]/.test(char)) return char;
      return char === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

const fixed = (arity: number, call: (...args: unknown[]) => unknown): TemplateFunction => ({
  arity,
  call: (_context, args) => call(...args),
});
const variadic = (minimum: number, call: (...args: unknown[]) => unknown): TemplateFunction => ({
  arity: { minimum },
  call: (_context, args) => call(...args),
});

/** Go's text/template builtin functions. */
export const BUILTINS: Readonly<Record<string, TemplateFunction>> = {
  and: variadic(1, (...args) => args.find((value) => !isTrue(value)) ?? args.at(-1)),
  or: variadic(1, (...args) => args.find((value) => isTrue(value)) ?? args.at(-1)),
  not: fixed(1, (value) => !isTrue(value)),
  len: fixed(1, length),
  index: variadic(1, index),
  print: variadic(0, (...args) => sprint(args)),
  println: variadic(0, (...args) => sprintln(args)),
  printf: variadic(1, (format, ...args) => {
    if (typeof format !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(format)}`);
    return sprintf(format, args);
  }),
  eq: variadic(1, eq),
  ne: fixed(2, (left, right) => !eq(left, right)),
  lt: fixed(2, lt),
  le: fixed(2, (left, right) => lt(left, right) || eq(left, right)),
  gt: fixed(2, (left, right) => !(lt(left, right) || eq(left, right))),
  ge: fixed(2, (left, right) => !lt(left, right)),
  html: variadic(0, (...args) => escapeInput(args).replace(/["'&<>\0]/g, (char) => HTML_ESCAPES[char]!)),
  js: variadic(0, (...args) =>
    escapeInput(args).replace(
      /[\\'"<>&=\p{Cc}]/gu,
      (char) => JS_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    ),
  ),
  urlquery: variadic(0, (...args) => queryEscape(escapeInput(args))),
};
