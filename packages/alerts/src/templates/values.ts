import { formatValue } from './go-format.js';

// Go values as templates see them. Go's int is a bigint, float64 a number,
// nil is null and "no value" (a missing interface value) is undefined.

/** A Go map (`map[string]string`, or `map[string]interface{}` when `element` is `any`). */
export class GoMap {
  readonly kind = 'map';
  constructor(
    readonly entries: Readonly<Record<string, unknown>>,
    readonly element: 'string' | 'any' = 'string',
  ) {}
  get(key: string): unknown {
    // missingkey=zero: the zero value of the element type.
    return Object.hasOwn(this.entries, key) ? this.entries[key] : this.element === 'string' ? '' : undefined;
  }
  keys(): string[] {
    return Object.keys(this.entries).sort(compareGoStrings);
  }
}

/** A Go struct (template data, a query sample); fields in declaration order. */
export class GoStruct {
  readonly kind = 'struct';
  constructor(
    readonly typeName: string,
    readonly fields: ReadonlyMap<string, unknown>,
  ) {}
}

/** Go's `time.Time` at millisecond precision (what Prometheus' `model.Time` keeps). */
export class GoTime {
  readonly kind = 'time';
  constructor(readonly milliseconds: bigint) {}
  toString(): string {
    const ms = Number(this.milliseconds);
    const date = new Date(ms);
    const pad = (value: number, size = 2) => String(value).padStart(size, '0');
    const year = date.getUTCFullYear();
    const fraction = ((ms % 1000) + 1000) % 1000;
    const seconds = fraction === 0 ? '' : `.${pad(fraction, 3).replace(/0+$/, '')}`;
    return (
      `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
      `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${seconds} +0000 UTC`
    );
  }
}

/** Go's `time.Duration` (nanoseconds), from Prometheus 3's `toDuration`. */
export class GoDuration {
  readonly kind = 'duration';
  constructor(readonly nanoseconds: bigint) {}
  /** Go's `Duration.String()`: `1h2m3.5s`, `1.5s`, `250ms`, `0s`. */
  toString(): string {
    const negative = this.nanoseconds < 0n;
    const size = negative ? -this.nanoseconds : this.nanoseconds;
    const fraction = (value: bigint, digits: number) => {
      const unit = 10n ** BigInt(digits);
      const rest = (value % unit).toString().padStart(digits, '0').replace(/0+$/, '');
      return `${value / unit}${rest ? `.${rest}` : ''}`;
    };
    let text: string;
    if (size === 0n) text = '0s';
    else if (size < 1000n) text = `${size}ns`;
    else if (size < 1_000_000n) text = `${fraction(size, 3)}µs`;
    else if (size < 1_000_000_000n) text = `${fraction(size, 6)}ms`;
    else {
      const seconds = size / 1_000_000_000n;
      const hours = seconds / 3600n;
      const minutes = (seconds / 60n) % 60n;
      const rest = fraction(size % 60_000_000_000n, 9);
      text = `${hours > 0n ? `${hours}h` : ''}${seconds >= 60n ? `${minutes}m` : ''}${rest}s`;
    }
    return negative ? `-${text}` : text;
  }
}

/** `html/template.HTML`: text marked as safe HTML (in annotations it prints as is). */
export class GoHtml {
  readonly kind = 'html';
  constructor(readonly text: string) {}
}

type Kinds = { map: GoMap; struct: GoStruct; time: GoTime; html: GoHtml; duration: GoDuration };
const hasKind =
  <K extends keyof Kinds>(kind: K) =>
  (value: unknown): value is Kinds[K] =>
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
// Discriminants, not instanceof, so values from another copy of the package still work.
export const isMap = hasKind('map');
export const isStruct = hasKind('struct');
export const isTime = hasKind('time');
export const isHtml = hasKind('html');
export const isDuration = hasKind('duration');

/** Go compares strings byte-wise (UTF-8), which differs from UTF-16 order above U+FFFF. */
export function compareGoStrings(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/** Go's type name of a value, as error messages and `%T` print it. */
export function goTypeName(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (isMap(value)) return value.element === 'string' ? 'map[string]string' : 'map[string]interface {}';
  if (isStruct(value)) return value.typeName;
  if (isTime(value)) return '*time.Time';
  if (isDuration(value)) return '*time.Duration';
  if (isHtml(value)) return 'template.HTML';
  if (Array.isArray(value)) return 'template.queryResult';
  return 'unknown';
}

/** Go template truth: false, 0, nil, and empty strings, maps and slices are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value !== '';
  if (isHtml(value)) return value.text !== '';
  if (isMap(value)) return Object.keys(value.entries).length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** `fmt.Sprint` of one value (`%v`). */
export function formatGo(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatValue(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (isHtml(value)) return value.text;
  if (isTime(value) || isDuration(value)) return value.toString();
  if (isMap(value))
    return `map[${value
      .keys()
      .map((key) => `${key}:${formatGo(value.get(key))}`)
      .join(' ')}]`;
  if (isStruct(value)) return `{${[...value.fields.values()].map(formatGo).join(' ')}}`;
  if (Array.isArray(value))
    return `[${value.map((item) => (isStruct(item) ? `&${formatGo(item)}` : formatGo(item))).join(' ')}]`;
  return '<unknown>';
}

/** What a template prints for a value: `<no value>` for a missing one. */
export function printValue(value: unknown): string {
  return formatGo(value);
}

/** Prometheus' `convertToFloat`: floats, ints, durations (as seconds) and numeric strings (`strconv.ParseFloat`). */
export function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return parseFloatGo(value);
  if (isDuration(value)) return Number(value.nanoseconds) / 1e9;
  throw new Error(`can't convert ${goTypeName(value)} to float`);
}

const FLOAT_SYNTAX =
  /^[+-]?(?:(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan|0[xX][\da-fA-F_.]+[pP][+-]?\d+)$/i;

function parseFloatGo(text: string): number {
  if (!FLOAT_SYNTAX.test(text) || /^[+-]?_|_$|__/.test(text)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  const lower = text.toLowerCase().replaceAll('_', '');
  if (/nan$/.test(lower)) return Number.NaN;
  if (/inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(lower);
}

/** A Go `string` parameter: only strings (not `template.HTML`, not numbers) are assignable. */
export function toStringArgument(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new Error(`wrong type for value; expected string; got ${goTypeName(value)}`);
}
