import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import { regexErrorMessage } from '../promql/regex.js';
import { queryEscape } from './builtins.js';
import type { TemplateFunction } from './functions.js';
import { GoHtml, toStringArgument } from './values.js';

// Prometheus' string functions. Regexes use RE2 (re2js), the engine Go's
// `regexp` implements, so patterns Go refuses (look-behind, backreferences)
// fail the same way instead of silently meaning something else.

const compiled = new Map<string, RE2JS>();

function compile(pattern: string): RE2JS {
  let regex = compiled.get(pattern);
  if (!regex) {
    try {
      regex = RE2JS.compile(pattern);
    } catch (error) {
      throw new Error(`error parsing regexp: ${regexErrorMessage(error)}`);
    }
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** Go's `Regexp.Expand` template syntax: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, group: (name: string) => string): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))?/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare;
    return name === undefined ? '$' : group(name);
  });
}

/** Go's `Regexp.ReplaceAllString`: empty matches right after a match are skipped. */
function replaceAll(pattern: string, replacement: string, text: string): string {
  const regex = compile(pattern);
  const matcher = regex.matcher(text);
  const names = regex.namedGroups();
  let output = '';
  let lastEnd = 0;
  let searchFrom = 0;
  while (searchFrom <= text.length && matcher.find(searchFrom)) {
    const start = matcher.start();
    const end = matcher.end();
    output += text.slice(lastEnd, start);
    if (end > lastEnd || start === 0) {
      output += expand(replacement, (name) => {
        const number = /^\d+$/.test(name) ? Number(name) : names[name];
        if (number === undefined || number > matcher.groupCount()) return '';
        return matcher.group(number) ?? '';
      });
    }
    lastEnd = end;
    const width = searchFrom < text.length ? String.fromCodePoint(text.codePointAt(searchFrom)!).length : 1;
    searchFrom = searchFrom + width > end ? searchFrom + width : end;
  }
  return output + text.slice(lastEnd);
}

/** Go's `net.SplitHostPort`, returning undefined where Go returns an error. */
function splitHostPort(hostPort: string): { host: string; port: string } | undefined {
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1) return undefined;
  let host: string;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1 || close + 1 !== colon) return undefined;
    host = hostPort.slice(1, close);
  } else {
    host = hostPort.slice(0, colon);
    if (host.includes(':')) return undefined;
  }
  const port = hostPort.slice(colon + 1);
  if (host.includes('[') || host.includes(']') || port.includes('[') || port.includes(']')) return undefined;
  return { host, port };
}

function stripDomain(hostPort: string): string {
  const split = splitHostPort(hostPort);
  const host = split?.host ?? hostPort;
  if (isIP(host) !== 0) return hostPort;
  const name = host.split('.')[0]!;
  if (!split || split.port === '') return name;
  return name.includes(':') ? `[${name}]:${split.port}` : `${name}:${split.port}`;
}

// Go's strings.Title: ASCII letters, digits and '_' continue a word; other ASCII ends it.
function isSeparator(char: string): boolean {
  if (char.charCodeAt(0) <= 0x7f) return !/[A-Za-z0-9_]/.test(char);
  if (/[\p{L}\p{Nd}]/u.test(char)) return false;
  return /\s/u.test(char);
}

/** Per-character case mapping, as Go's: `ß` has no single-character upper case and stays. */
function mapCase(text: string, upper: boolean): string {
  return [...text]
    .map((char) => {
      const mapped = upper ? char.toUpperCase() : char.toLowerCase();
      return [...mapped].length === 1 ? mapped : char;
    })
    .join('');
}

function title(text: string): string {
  let previous = ' ';
  return [...text]
    .map((char) => {
      const result = isSeparator(previous) ? mapCase(char, true) : char;
      previous = char;
      return result;
    })
    .join('');
}

const strings = (arity: number, call: (...args: string[]) => unknown): TemplateFunction => ({
  arity,
  call: (_context, args) => call(...args.map(toStringArgument)),
});

/** Prometheus' string functions. */
export const STRING_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  title: strings(1, title),
  toUpper: strings(1, (text) => mapCase(text, true)),
  toLower: strings(1, (text) => mapCase(text, false)),
  match: strings(2, (pattern, text) => compile(pattern).matcher(text).find()),
  reReplaceAll: strings(3, replaceAll),
  stripPort: strings(1, (hostPort) => splitHostPort(hostPort)?.host ?? hostPort),
  stripDomain: strings(1, stripDomain),
  safeHtml: strings(1, (text) => new GoHtml(text)),
  graphLink: strings(1, (expression) => `/graph?g0.expr=${queryEscape(expression)}&g0.tab=0`),
  tableLink: strings(1, (expression) => `/graph?g0.expr=${queryEscape(expression)}&g0.tab=1`),
};
