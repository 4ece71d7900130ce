import type { IncomingMessage } from 'node:http';
import { TelltaleConfigError } from '@telltale/core';

/** Paths (exact, or a prefix ending in `/*`) or a predicate. */
export type IgnoreOption = readonly string[] | ((request: IncomingMessage) => boolean);

/** A compiled `ignore` option; path lists also answer for a bare URL (read once, elsewhere). */
export type CompiledIgnore = ((request: IncomingMessage) => boolean) & { byUrl?: (url: string | undefined) => boolean };

/** Compiles the `ignore` option into one predicate, or `undefined` when nothing is ignored. */
export function compileIgnore(value: unknown): CompiledIgnore | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as (request: IncomingMessage) => boolean;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry.startsWith('/'))) {
    throw new TelltaleConfigError({
      option: 'ignore',
      value,
      expected: 'an array of paths starting with "/" (a trailing "/*" matches a prefix) or a predicate function',
    });
  }
  const exact: string[] = [];
  const prefixes: string[] = [];
  const add = (path: string): void => {
    // A path containing `?` never equals a request path (the query is cut off first).
    if (!path.includes('?') && !exact.includes(path)) exact.push(path);
  };
  for (const entry of value as string[]) {
    if (entry.endsWith('/*')) {
      // Compared with the whole URL in place: a prefix containing `?` would reach into the query.
      const prefix = entry.slice(0, -1);
      if (!prefix.includes('?') && !prefixes.includes(prefix)) prefixes.push(prefix);
      add(entry.slice(0, -2) || '/');
    } else add(entry);
  }
  if (exact.length === 0 && prefixes.length === 0) return undefined;
  // Runs on every request: a few entries are compared in place on the URL (no slice, no
  // hash of the request's fresh URL string); a long list is looked up in a Set.
  const byUrl = exact.length > MAX_SCANNED ? bySet(new Set(exact), prefixes) : scanned(exact, prefixes);
  return Object.assign((request: IncomingMessage) => byUrl(request.url), { byUrl });
}

function scanned(exact: readonly string[], prefixes: readonly string[]): (url: string | undefined) => boolean {
  return (url = '/') => {
    for (let index = 0; index < exact.length; index++) {
      const path = exact[index]!;
      if (url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === QUERY)) return true;
    }
    for (let index = 0; index < prefixes.length; index++) if (url.startsWith(prefixes[index]!)) return true;
    return false;
  };
}

const QUERY = 0x3f; // '?'
const MAX_SCANNED = 8;

function bySet(exact: ReadonlySet<string>, prefixes: readonly string[]): (url: string | undefined) => boolean {
  return (url = '/') => {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (exact.has(path)) return true;
    for (let index = 0; index < prefixes.length; index++) if (path.startsWith(prefixes[index]!)) return true;
    return false;
  };
}
