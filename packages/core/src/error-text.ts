import { TelltaleConfigError } from './errors.js';

/**
 * Options of {@link describeError}.
 *
 * @example
 * ```ts
 * import { describeError, type DescribeErrorOptions } from '@telltale/core';
 * const options: DescribeErrorOptions = { maxLength: 200 };
 * describeError(new Error('boom'), options); // 'boom'
 * ```
 */
export interface DescribeErrorOptions {
  /** Longest text returned, in UTF-16 code units. Default 1000. */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 1000;
const UNPRINTABLE = 'unprintable thrown value';
// A cut never keeps the start of a token it could not keep whole (half a secret escapes redaction).
const WORD_LOOKBACK = 256;

/** `read()`, or `undefined` when it throws (getters, proxies, toString). */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function textOf(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error === null) return 'null';
  if (typeof error === 'function') {
    const name = attempt(() => (error as { name?: unknown }).name);
    return typeof name === 'string' && name !== '' ? `function ${name}` : 'a function';
  }
  // String() handles symbols, bigints and the other primitives without throwing.
  if (typeof error === 'symbol' || typeof error === 'bigint' || typeof error === 'number' || typeof error === 'boolean')
    return String(error);
  if (typeof error !== 'object') return 'undefined';
  const message = attempt(() => (error as { message?: unknown }).message);
  if (typeof message === 'string') {
    if (message !== '') return message;
    const name = attempt(() => (error as { name?: unknown }).name);
    if (typeof name === 'string' && name !== '') return name;
  }
  if (attempt(() => error instanceof Error) === true) {
    const name = attempt(() => (error as { name?: unknown }).name);
    return typeof name === 'string' && name !== '' ? name : 'Error';
  }
  // Deliberately String(): it runs a custom toString or Symbol.toPrimitive, and '[object Object]' is checked below.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const converted = attempt(() => String(error));
  if (typeof converted === 'string' && converted !== '[object Object]') return converted;
  // Null-prototype and plain objects: their JSON says more than "[object Object]".
  const json = attempt(() => JSON.stringify(error));
  if (typeof json === 'string') return json;
  return converted ?? UNPRINTABLE;
}

function bound(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let cut = maxLength - 1;
  const floor = Math.max(0, cut - WORD_LOOKBACK);
  for (let index = cut; index > floor; index--) {
    const code = text.charCodeAt(index);
    if (code === 32 || code === 9 || code === 10 || code === 13) {
      cut = index;
      break;
    }
  }
  // Never split a surrogate pair.
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * Turns anything a caller may `throw` into short text, and never throws
 * itself: errors give their `message` (or `name`), other values their
 * string or JSON form. Null-prototype objects, throwing getters, throwing
 * `toString`, revoked proxies, symbols and cyclic objects are all handled;
 * the result is at most `maxLength` long (cut at a word boundary). It does
 * not redact: pass the result to `redactSecrets` before logging it.
 *
 * @example
 * ```ts
 * import { describeError, redactSecrets } from '@telltale/core';
 * describeError(new TypeError('bad input')); // 'bad input'
 * describeError(Object.create(null)); // '{}'
 * describeError(Symbol('gone')); // 'Symbol(gone)'
 * const output = redactSecrets(describeError(caught, { maxLength: 500 }));
 * ```
 */
export function describeError(error: unknown, options: DescribeErrorOptions = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 2) {
    throw new TelltaleConfigError({ option: 'maxLength', value: maxLength, expected: 'an integer >= 2' });
  }
  let text: string;
  try {
    text = textOf(error);
  } catch {
    text = UNPRINTABLE;
  }
  return bound(text, maxLength);
}
