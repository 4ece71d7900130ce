// Go's float formatting rounds the exact binary value half-to-even; JavaScript's
// toFixed/toExponential round ties up (0.25 → "0.3" where Go prints "0.2"), so
// digits are produced here from the exact value with BigInt arithmetic.

/** `|value|` as `integer × 10^exponent`, exactly. */
function exactDecimal(value: number): { integer: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  if (biased !== 0) mantissa |= 1n << 52n;
  const binary = (biased === 0 ? 1 : biased) - 1075;
  if (binary >= 0) return { integer: mantissa << BigInt(binary), exponent: 0 };
  return { integer: mantissa * 5n ** BigInt(-binary), exponent: binary };
}

/** `integer × 10^exponent` rounded half-to-even to a multiple of `10^target`, as a count of those. */
function roundAt(integer: bigint, exponent: number, target: number): bigint {
  if (exponent >= target) return integer * 10n ** BigInt(exponent - target);
  const divisor = 10n ** BigInt(target - exponent);
  const quotient = integer / divisor;
  const twice = (integer % divisor) * 2n;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** `|value|` rounded to `precision` significant digits: digits (trailing zeros trimmed) and point position. */
function significant(value: number, precision: number): { digits: string; point: number } {
  const magnitude = Math.abs(value);
  // JavaScript rounds correctly except on exact ties, which need the digit after the last to be 5.
  if (precision <= 100 && !lastDigitIsFive(magnitude.toExponential(precision))) {
    const text = magnitude.toExponential(precision - 1);
    const e = text.indexOf('e');
    const digits = text.slice(0, e).replace('.', '').replace(/0+$/, '') || '0';
    return { digits, point: Number(text.slice(e + 1)) + 1 };
  }
  const { integer, exponent } = exactDecimal(value);
  let point = integer.toString().length + exponent;
  let rounded = roundAt(integer, exponent, point - precision).toString();
  if (rounded.length > precision) {
    point += 1;
    rounded = rounded.slice(0, precision);
  }
  return { digits: rounded.replace(/0+$/, '') || '0', point };
}

function special(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return undefined;
}

function sign(value: number): string {
  return value < 0 || Object.is(value, -0) ? '-' : '';
}

function exponentText(exponent: number): string {
  return `e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function lastDigitIsFive(exponential: string): boolean {
  return exponential[exponential.indexOf('e') - 1] === '5';
}

/** Go's `%.<precision>f`. */
export function formatFixed(value: number, precision: number): string {
  const text = special(value);
  if (text) return text;
  const magnitude = Math.abs(value);
  if (magnitude < 1e21 && precision < 100 && !magnitude.toFixed(precision + 1).endsWith('5')) {
    return `${sign(value)}${magnitude.toFixed(precision)}`;
  }
  const { integer, exponent } = exactDecimal(value);
  const digits = roundAt(integer, exponent, -precision)
    .toString()
    .padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  return `${sign(value)}${whole}${precision > 0 ? `.${digits.slice(whole.length)}` : ''}`;
}

/** Go's `%.<precision>e`. */
export function formatExponent(value: number, precision: number): string {
  const text = special(value);
  if (text) return text;
  if (value === 0) return `${sign(value)}0${precision > 0 ? `.${'0'.repeat(precision)}` : ''}e+00`;
  const { digits, point } = significant(value, precision + 1);
  const padded = digits.padEnd(precision + 1, '0');
  return `${sign(value)}${padded[0]}${precision > 0 ? `.${padded.slice(1)}` : ''}${exponentText(point - 1)}`;
}

/** Go's `%.<precision>g` for a float64 (trailing zeros trimmed, two-digit exponents). */
export function formatG(value: number, precision: number): string {
  const text = special(value);
  if (text) return text;
  if (value === 0) return `${sign(value)}0`;
  const { digits, point } = significant(value, Math.max(1, precision));
  const exponent = point - 1;
  if (exponent < -4 || exponent >= Math.max(1, precision)) {
    return `${sign(value)}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}${exponentText(exponent)}`;
  }
  if (point <= 0) return `${sign(value)}0.${'0'.repeat(-point)}${digits}`;
  const whole = digits.slice(0, point).padEnd(point, '0');
  const fraction = digits.slice(point);
  return `${sign(value)}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Go's `%v` for a float64: shortest representation, exponent form outside [1e-4, 1e6). */
export function formatValue(value: number): string {
  const text = special(value);
  if (text) return text;
  if (value === 0) return `${sign(value)}0`;
  // JavaScript's shortest round-trip digits are Go's; only the layout differs.
  const exponential = value.toExponential();
  const exponent = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (exponent < -4 || exponent >= 6) {
    const mantissa = exponential.slice(0, exponential.indexOf('e'));
    return `${mantissa}${exponentText(exponent)}`;
  }
  return String(value);
}
