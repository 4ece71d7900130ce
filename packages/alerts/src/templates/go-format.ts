/** Go's `%.<precision>g` for a float64 (trailing zeros trimmed, two-digit exponents). */
export function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(precision - 1);
  const exponent = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (exponent < -4 || exponent >= precision) return goExponent(exponential);
  return trimZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

/** Go's `%v` for a float64: shortest representation, exponent form outside [1e-4, 1e6). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return '0';
  const exponential = value.toExponential();
  const exponent = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (exponent < -4 || exponent >= 6) return goExponent(exponential);
  return String(value);
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function goExponent(exponential: string): string {
  const [mantissa = '', exponent = ''] = exponential.split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${trimZeros(mantissa)}e${sign}${digits}`;
}

/** A small `printf` for templates: `%s %d %f %.Nf %g %.Ng %v %%`. */
export function printf(format: string, args: readonly unknown[]): string {
  let index = 0;
  return format.replace(
    /%(-?\d*)(?:\.(\d+))?([sdfgvqe%])/g,
    (whole, width: string, precision: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      const arg = args[index++];
      let text: string;
      const number = typeof arg === 'number' ? arg : Number(arg);
      switch (verb) {
        case 'd':
          text = String(Math.trunc(number));
          break;
        case 'f':
          text = Number.isFinite(number)
            ? number.toFixed(precision === undefined ? 6 : Number(precision))
            : formatValue(number);
          break;
        case 'e':
          text = goExponent(number.toExponential(precision === undefined ? 6 : Number(precision)));
          break;
        case 'g':
          text = precision === undefined ? formatValue(number) : formatG(number, Number(precision));
          break;
        case 'q':
          text = JSON.stringify(String(arg));
          break;
        default:
          text = typeof arg === 'number' ? formatValue(arg) : String(arg);
      }
      const size = Math.abs(Number(width || 0));
      if (size > text.length) text = width.startsWith('-') ? text.padEnd(size) : text.padStart(size);
      return whole.length > 0 ? text : '';
    },
  );
}
