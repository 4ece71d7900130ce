import { formatExponent, formatFixed, formatG, formatValue } from './go-format.js';
import { formatGo, goTypeName, isHtml, isMap, isStruct } from './values.js';

interface Spec {
  readonly flags: string;
  readonly width: number | undefined;
  readonly precision: number | undefined;
  readonly verb: string;
}

const VERB = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/g;

function bad(spec: Spec, value: unknown): string {
  return `%!${spec.verb}(${goTypeName(value)}=${formatGo(value)})`;
}

function withSign(text: string, spec: Spec): string {
  if (text.startsWith('-')) return text;
  if (spec.flags.includes('+')) return `+${text}`;
  if (spec.flags.includes(' ')) return ` ${text}`;
  return text;
}

function formatFloat(value: number, spec: Spec): string {
  const verb = spec.verb.toLowerCase();
  let text: string;
  if (verb === 'f') text = formatFixed(value, spec.precision ?? 6);
  else if (verb === 'e') text = formatExponent(value, spec.precision ?? 6);
  else text = spec.precision === undefined ? formatValue(value) : formatG(value, spec.precision);
  if (spec.verb === 'E' || spec.verb === 'G') text = text.toUpperCase();
  return withSign(text, spec);
}

function formatInteger(value: bigint, spec: Spec): string | undefined {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const radix = { d: 10, v: 10, x: 16, X: 16, o: 8, b: 2 }[spec.verb];
  if (spec.verb === 'c') return String.fromCodePoint(Number(value));
  if (spec.verb === 'q') return `'${String.fromCodePoint(Number(value))}'`;
  if (radix === undefined) return undefined;
  let digits = magnitude.toString(radix);
  if (spec.verb === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0');
  return withSign(`${negative ? '-' : ''}${digits}`, spec);
}

function formatOne(spec: Spec, value: unknown): string {
  const { verb } = spec;
  if (verb === 'T') return goTypeName(value);
  if (verb === 'v') {
    if (typeof value === 'number') return formatFloat(value, spec);
    if (typeof value === 'bigint') return formatInteger(value, spec)!;
    return formatGo(value);
  }
  if (typeof value === 'number') return 'eEfFgG'.includes(verb) ? formatFloat(value, spec) : bad(spec, value);
  if (typeof value === 'bigint') return formatInteger(value, spec) ?? bad(spec, value);
  if (typeof value === 'boolean') return verb === 't' ? String(value) : bad(spec, value);
  const text = typeof value === 'string' ? value : isHtml(value) ? value.text : undefined;
  if (text !== undefined) {
    const cut = spec.precision === undefined ? text : [...text].slice(0, spec.precision).join('');
    if (verb === 's') return cut;
    if (verb === 'q') return JSON.stringify(cut);
    if (verb === 'x' || verb === 'X') {
      const hex = Buffer.from(cut).toString('hex');
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    return `%!${verb}(${goTypeName(value)}=${cut})`;
  }
  if (verb === 's' && (isMap(value) || isStruct(value) || Array.isArray(value))) return formatGo(value);
  return bad(spec, value);
}

function pad(text: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (width <= length) return text;
  if (spec.flags.includes('-')) return text + ' '.repeat(width - length);
  if (spec.flags.includes('0') && numeric) {
    const signed = /^[+\- ]/.test(text) ? text[0]! : '';
    return signed + '0'.repeat(width - length) + text.slice(signed.length);
  }
  return ' '.repeat(width - length) + text;
}

/**
 * Go's `fmt.Sprintf` for template values: verbs `v s q d x X o b c t T e E f F g G %`,
 * flags `- + space 0`, width and precision, and Go's `%!verb(type=value)`,
 * `%!verb(MISSING)` and `%!(EXTRA ...)` markers for mismatched arguments.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  let index = 0;
  let output = format.replace(
    VERB,
    (_whole, flags: string, width: string | undefined, precision: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      const spec: Spec = {
        flags,
        width: width === undefined ? undefined : Number(width),
        precision: precision === undefined ? undefined : Number(precision || 0),
        verb,
      };
      if (index >= args.length) return `%!${verb}(MISSING)`;
      const value = args[index++];
      return pad(formatOne(spec, value), spec, typeof value === 'number' || typeof value === 'bigint');
    },
  );
  if (index < args.length) {
    const extra = args.slice(index).map((value) => `${goTypeName(value)}=${formatGo(value)}`);
    output += `%!(EXTRA ${extra.join(', ')})`;
  }
  return output;
}

/** Go's `fmt.Sprint`: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let output = '';
  args.forEach((value, index) => {
    const isString = (item: unknown) => typeof item === 'string' || isHtml(item);
    if (index > 0 && !isString(value) && !isString(args[index - 1])) output += ' ';
    output += formatGo(value);
  });
  return output;
}

/** Go's `fmt.Sprintln`: operands always separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatGo).join(' ')}\n`;
}
