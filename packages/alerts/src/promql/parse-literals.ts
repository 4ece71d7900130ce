/** Number, string and duration literals of PromQL, from their source text. */

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * A number literal (`1`, `-2.5e3`, `0x1F`, `Inf`, `NaN`); the grammar folds
 * a leading sign into the literal, with any spaces (`- 1`). Undefined when
 * the text is not a plain number (e.g. a duration such as `5m`).
 */
export function parseNumberLiteral(text: string): number | undefined {
  const compact = text.replace(/\s+/g, '');
  const sign = compact.startsWith('-') ? -1 : 1;
  const body = compact.replace(/^[+-]/, '');
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Infinity;
  if (lower === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) return undefined;
  return sign * Number(body);
}

/** A duration literal (`1h30m`, `500ms`) in milliseconds, or a plain number of seconds (`30`, `1.5`). */
export function parseDurationLiteral(text: string): number | undefined {
  let total = 0;
  let matched = '';
  for (const part of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
    matched += part[0];
  }
  if (matched === text && text !== '') return total;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  return undefined;
}

/** Go escapes `\xNN` and `\NNN` are bytes: decode runs of them as UTF-8 (invalid bytes become U+FFFD). */
function decodeBytes(bytes: number[]): string {
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** The value of a quoted PromQL string (Go escapes in "..." and '...', none in `...`). */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  const body = raw.slice(1, -1);
  if (quote === '`') return body;
  let result = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) result += decodeBytes(bytes);
    bytes = [];
  };
  const pattern = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)|([^\\]+)/g;
  for (const [, escape, text] of body.matchAll(pattern)) {
    if (text !== undefined) {
      flush();
      result += text;
    } else if (escape![0] === 'x') bytes.push(Number.parseInt(escape!.slice(1), 16));
    else if (/^[0-7]{3}$/.test(escape!)) bytes.push(Number.parseInt(escape!, 8));
    else {
      flush();
      if (escape![0] === 'u' || escape![0] === 'U')
        result += String.fromCodePoint(Number.parseInt(escape!.slice(1), 16));
      else result += SIMPLE_ESCAPES[escape!] ?? escape!;
    }
  }
  flush();
  return result;
}

/**
 * Go's parser accepts floats with a trailing dot (`2.`, `1./6.`), the lezer
 * grammar does not: rewrite them as `2.0` outside string literals before parsing.
 */
export function normalizeTrailingDots(source: string): string {
  if (!source.includes('.')) return source;
  return source.replace(
    /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|(?<![\w.])(\d+)\.(?![\d\w])/g,
    (match, quoted: string | undefined, digits: string | undefined) => (quoted ? match : `${digits}.0`),
  );
}

/** A number literal, or a duration used as a number of seconds (`predict_linear(x[1h], 4h)`, `@ 100s`). */
export function parseNumberOrDuration(text: string): number | undefined {
  const number = parseNumberLiteral(text);
  if (number !== undefined) return number;
  const compact = text.replace(/\s+/g, '');
  const sign = compact.startsWith('-') ? -1 : 1;
  const body = compact.replace(/^[+-]/, '');
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(body)) return undefined;
  const milliseconds = parseDurationLiteral(body);
  return milliseconds === undefined ? undefined : (sign * milliseconds) / 1000;
}
