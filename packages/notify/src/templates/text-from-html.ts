// A single-pass scanner: template HTML can carry user input, so no regular
// expression here may backtrack over it (`'<a href="x"'` repeated used to take seconds).

const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
]);
const DROPPED = new Set(['script', 'style', 'head']);
const BLOCKS = new Set([
  'p',
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'table',
  'ul',
  'ol',
  'blockquote',
  'section',
]);
const REPLACEMENT = '\uFFFD';

/** ASCII-only lower case keeps every index of `markup` valid in the copy (`'İ'.toLowerCase()` is two units). */
function asciiLower(markup: string): string {
  return markup.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** `indexOf` that remembers its last answer, so repeated searches for the same needle stay linear overall. */
function finder(haystack: string): (needle: string, from: number) => number {
  const last = new Map<string, number>();
  return (needle, from) => {
    const known = last.get(needle);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const found = haystack.indexOf(needle, from);
    last.set(needle, found);
    return found;
  };
}

function tagName(lower: string, start: number, end: number): { name: string; closing: boolean } {
  let index = start + 1;
  const closing = lower[index] === '/';
  if (closing) index++;
  const from = index;
  while (index < end && /[a-z0-9]/.test(lower[index]!)) index++;
  return { name: lower.slice(from, index), closing };
}

/** The `href` value of an opening `<a ...>` tag (`markup.slice(start, end)`), as the old pattern read it. */
function hrefOf(markup: string, lower: string, start: number, end: number): string | undefined {
  // Search the tag only: an unbounded search per `<a` would be quadratic.
  const tag = lower.slice(start, end);
  for (let at = tag.indexOf('href'); at !== -1; at = tag.indexOf('href', at + 4)) {
    let index = start + at + 4;
    while (index < end && /\s/.test(markup[index]!)) index++;
    if (markup[index] !== '=') continue;
    index++;
    while (index < end && /\s/.test(markup[index]!)) index++;
    const quote = markup[index];
    if (quote !== '"' && quote !== "'") continue;
    let close = index + 1;
    while (close < end && markup[close] !== '"' && markup[close] !== "'") close++;
    if (close < end) return markup.slice(index + 1, close);
  }
  return undefined;
}

function decodeEntity(body: string): string | undefined {
  if (body[0] === '#') {
    const hex = body[1] === 'x' || body[1] === 'X';
    const digits = body.slice(hex ? 2 : 1);
    if (digits === '' || !(hex ? /^[0-9a-f]+$/i : /^[0-9]+$/).test(digits)) return undefined;
    const code = digits.length > 8 ? Infinity : parseInt(digits, hex ? 16 : 10);
    // Out of range, NUL and lone surrogates become U+FFFD, as browsers do.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return REPLACEMENT;
    return String.fromCodePoint(code);
  }
  return ENTITIES.get(body.toLowerCase());
}

function decodeEntities(text: string): string {
  let result = '';
  let index = 0;
  for (;;) {
    const amp = text.indexOf('&', index);
    if (amp === -1) return result + text.slice(index);
    result += text.slice(index, amp);
    let end = amp + 1;
    if (text[end] === '#') end++;
    if (text[end] === 'x' || text[end] === 'X') end++;
    while (end < text.length && /\w/.test(text[end]!)) end++;
    const decoded = text[end] === ';' ? decodeEntity(text.slice(amp + 1, end)) : undefined;
    if (decoded === undefined) {
      result += '&';
      index = amp + 1;
    } else {
      result += decoded;
      index = end + 1;
    }
  }
}

/** Trims spaces and tabs around line breaks, collapses runs of them and of blank lines. */
function tidy(text: string): string {
  const lines: string[] = [];
  let blank = 0;
  for (const raw of text.split('\n')) {
    let start = 0;
    let end = raw.length;
    while (start < end && (raw[start] === ' ' || raw[start] === '\t')) start++;
    while (end > start && (raw[end - 1] === ' ' || raw[end - 1] === '\t')) end--;
    const line = raw.slice(start, end).replace(/[ \t]{2,}/g, ' ');
    if (line === '') blank++;
    else blank = 0;
    if (blank <= 1) lines.push(line);
  }
  return lines.join('\n').trim();
}

/** Text of `markup.slice(start, end)` with every tag removed (a link label). */
function stripTags(markup: string, lower: string, start: number, end: number, find: (n: string, f: number) => number) {
  let text = '';
  let index = start;
  while (index < end) {
    const open = markup.indexOf('<', index);
    if (open === -1 || open >= end) break;
    const close = find('>', open + 1);
    if (close === -1 || close >= end) break;
    text += markup.slice(index, open);
    index = close + 1;
  }
  return text + markup.slice(index, end);
}

/**
 * A plain-text version of an HTML body: block elements and `<br>` become line
 * breaks, list items bullets, links `text (href)`; scripts and styles are
 * dropped; character references are decoded (invalid ones to U+FFFD). Linear
 * in the input.
 *
 * @example
 * ```ts
 * import { textFromHtml } from '@telltale/notify';
 * textFromHtml('<p>Hi <a href="https://example.com">there</a></p>'); // 'Hi there (https://example.com)'
 * ```
 */
export function textFromHtml(markup: string): string {
  const lower = asciiLower(markup);
  const find = finder(lower);
  let out = '';
  let index = 0;
  while (index < markup.length) {
    const open = markup.indexOf('<', index);
    if (open === -1) break;
    // As in HTML, a tag starts with a letter, `/`, `!` or `?`; `1 < 2` and a `<` with no `>` after it are text.
    const close = /[a-z/!?]/.test(lower[open + 1] ?? '') ? find('>', open + 1) : -1;
    if (close === -1) {
      out += markup.slice(index, open + 1);
      index = open + 1;
      continue;
    }
    out += markup.slice(index, open);
    index = close + 1;
    const { name, closing } = tagName(lower, open, close);
    if (closing) {
      if (BLOCKS.has(name)) out += '\n\n';
      continue;
    }
    if (DROPPED.has(name)) {
      const end = find(`</${name}>`, index);
      if (end !== -1) index = end + name.length + 3;
      continue;
    }
    if (name === 'a') {
      const href = hrefOf(markup, lower, open + 2, close);
      const end = href === undefined ? -1 : find('</a>', index);
      if (href !== undefined && end !== -1) {
        const label = stripTags(markup, lower, index, end, find).trim();
        out += label === '' || label === href ? href : `${label} (${href})`;
        index = end + 4;
      }
      continue;
    }
    if (name === 'br') out += '\n';
    else if (name === 'li') out += '\n- ';
    else if (BLOCKS.has(name)) out += '\n';
  }
  return tidy(decodeEntities(out + markup.slice(index)));
}
