import type { IncomingMessage } from 'node:http';
import { TelltaleConfigError } from '@telltale/core';

/** Paths (exact, or a prefix ending in `/*`) or a predicate. */
export type IgnoreOption = readonly string[] | ((request: IncomingMessage) => boolean);

/** Compiles the `ignore` option into one predicate, or `undefined` when nothing is ignored. */
export function compileIgnore(value: unknown): ((request: IncomingMessage) => boolean) | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as (request: IncomingMessage) => boolean;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry.startsWith('/'))) {
    throw new TelltaleConfigError({
      option: 'ignore',
      value,
      expected: 'an array of paths starting with "/" (a trailing "/*" matches a prefix) or a predicate function',
    });
  }
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of value as string[]) {
    if (entry.endsWith('/*')) {
      prefixes.push(entry.slice(0, -1));
      exact.add(entry.slice(0, -2) || '/');
    } else exact.add(entry);
  }
  if (exact.size === 0 && prefixes.length === 0) return undefined;
  return (request) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (exact.has(path)) return true;
    for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
    return false;
  };
}
