import { TelltaleConfigError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'5m'`, `'1h30m'`. */
export type DurationInput = number | string;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/gy;
const EXPECTED =
  'a non-negative number of milliseconds or a duration string like "250ms", "0.5s", "5m", "1h30m" (units ms, s, m, h, d, w, y, largest first)';

/**
 * Parses a duration into milliseconds. Numbers are milliseconds. Strings use
 * Prometheus-style units (`ms s m h d w y`), may be compound with units in
 * descending order (`'1h30m'`), and may be fractional (`'0.5s'`).
 *
 * @param input - the duration.
 * @param option - the option name, used in the error message.
 * @throws TelltaleConfigError naming the option and the input when invalid.
 * @example
 * ```ts
 * import { parseDuration } from '@telltale/core';
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration('0.5s'); // 500
 * parseDuration(250); // 250
 * parseDuration('5 minutes', 'window'); // throws TelltaleConfigError
 * ```
 */
export function parseDuration(input: DurationInput, option = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
    }
    return input;
  }
  if (typeof input !== 'string') {
    throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
  }
  const text = input.trim();
  if (text === '') throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
  if (text === '0') return 0;
  let total = 0;
  let index = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
    const [, amount = '', unit = ''] = match;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
    lastRank = rank;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    index = PART.lastIndex;
  }
  if (!Number.isFinite(total)) throw new TelltaleConfigError({ option, value: input, expected: EXPECTED });
  return total;
}

/**
 * Formats milliseconds as a compact duration string (`5400000` → `'1h30m'`),
 * the inverse of {@link parseDuration} for whole milliseconds.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@telltale/core';
 * formatDuration(90_500); // '1m30s500ms'
 * formatDuration(0); // '0s'
 * ```
 */
export function formatDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new TelltaleConfigError({ option: 'milliseconds', value: milliseconds, expected: 'a finite number >= 0' });
  }
  let rest = Math.round(milliseconds);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] ?? 1;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
