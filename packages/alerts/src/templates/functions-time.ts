import type { TemplateFunction } from './functions.js';
import { formatG, formatValue } from './go-format.js';
import { GoDuration, GoTime, toFloat, toStringArgument } from './values.js';

const MAX_INT64 = 2 ** 63;

/** Prometheus' `floatToTime`: seconds to a time, truncated to milliseconds (`model.Time`). */
function floatToTime(seconds: number): GoTime {
  const nanoseconds = seconds * 1e9;
  if (nanoseconds >= MAX_INT64 || nanoseconds < -MAX_INT64) {
    throw new Error(
      `${formatValue(seconds)} cannot be represented as a nanoseconds timestamp since it overflows int64`,
    );
  }
  return new GoTime(BigInt(Math.trunc(nanoseconds)) / 1_000_000n);
}

const UNITS: readonly [string, number][] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Prometheus' `model.ParseDuration`, in seconds. */
function parseDuration(text: string): number {
  if (text === '') throw new Error('empty duration string');
  if (text === '0') return 0;
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a valid duration string: ${JSON.stringify(text)}`);
  let milliseconds = 0;
  UNITS.forEach(([, size], index) => {
    if (match[index + 1] !== undefined) milliseconds += Number(match[index + 1]) * size;
  });
  if (milliseconds > Number.MAX_SAFE_INTEGER) throw new Error(`duration out of range: ${JSON.stringify(text)}`);
  return milliseconds / 1000;
}

/** Prometheus' time functions. */
export const TIME_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  humanizeTimestamp: {
    arity: 1,
    call: (_context, [value]) => {
      const seconds = toFloat(value);
      if (!Number.isFinite(seconds)) return formatG(seconds, 4);
      return floatToTime(seconds).toString();
    },
  },
  toTime: {
    arity: 1,
    call: (_context, [value]) => {
      const seconds = toFloat(value);
      if (!Number.isFinite(seconds)) throw new Error('value is NaN or Inf');
      return floatToTime(seconds);
    },
  },
  parseDuration: { arity: 1, call: (_context, [value]) => parseDuration(toStringArgument(value)) },
  // Prometheus 3 only (not in promtool 2.42).
  toDuration: {
    arity: 1,
    call: (_context, [value]) => {
      const nanoseconds = toFloat(value) * 1e9;
      if (!(Math.abs(nanoseconds) < MAX_INT64)) throw new Error(`${formatValue(toFloat(value))} overflows a duration`);
      return new GoDuration(BigInt(Math.trunc(nanoseconds)));
    },
  },
  now: {
    arity: 0,
    call: (context) => {
      if (context.time === undefined) throw new Error('now is not available outside a rule evaluation');
      return context.time / 1000;
    },
  },
};
