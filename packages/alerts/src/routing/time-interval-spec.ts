import { TelltaleConfigError, timeZoneOption, zonedTime } from '@telltale/core';
import { isList } from './matchers.js';

// One time-interval spec, Alertmanager's `timeinterval.TimeInterval`: its fields, their validation
// and `ContainsTime`. Named intervals built from specs are in time-intervals.ts.

/**
 * One `start_time`/`end_time` pair of a time interval, `"HH:MM"`, end exclusive (`"24:00"` allowed).
 *
 * @example
 * ```ts
 * import type { TimeRangeInput } from '@telltale/alerts';
 * const evening: TimeRangeInput = { start_time: '18:00', end_time: '24:00' };
 * ```
 */
export interface TimeRangeInput {
  start_time: string;
  end_time: string;
}

/**
 * One time-interval spec as in Alertmanager's `time_intervals[].time_intervals[]`
 * (snake_case, so a configuration can be pasted as is). The spec matches when
 * every field it gives matches; a field matches when any of its entries does;
 * a spec without fields matches all the time.
 *
 * @example
 * ```ts
 * import type { TimeIntervalSpec } from '@telltale/alerts';
 * const lastWorkdaysOfQuarter: TimeIntervalSpec = {
 *   months: ['march', 'june', 'september', 'december'],
 *   days_of_month: ['-3:-1'],
 *   weekdays: ['monday:friday'],
 *   location: 'America/New_York',
 * };
 * ```
 */
export interface TimeIntervalSpec {
  /** Times of day, e.g. `[{ start_time: '09:00', end_time: '17:00' }]`. */
  times?: readonly TimeRangeInput[];
  /** Day names or ranges, e.g. `['monday:friday', 'sunday']` (the week starts on Sunday). */
  weekdays?: readonly string[];
  /** Days 1..31, negative from the month end (`-1` is the last day), ranges such as `'1:5'`, `'-3:-1'`. */
  days_of_month?: readonly (string | number)[];
  /** Month names or numbers and ranges, e.g. `['january:march', '12']`. */
  months?: readonly (string | number)[];
  /** Years and ranges, e.g. `['2026:2027']`. */
  years?: readonly (string | number)[];
  /** IANA time zone the fields are read in, e.g. `'Europe/Berlin'`. Default `'UTC'`; `'Local'` is the host's zone. */
  location?: string;
}

interface Range {
  readonly begin: number;
  readonly end: number;
}

/** A validated spec: its fields as inclusive ranges (times in minutes, end exclusive). */
export interface CompiledSpec {
  readonly times: readonly Range[] | undefined;
  readonly weekdays: readonly Range[] | undefined;
  readonly daysOfMonth: readonly Range[] | undefined;
  readonly months: readonly Range[] | undefined;
  readonly years: readonly Range[] | undefined;
  readonly location: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const CLOCK = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const INTEGER = /^[+-]?\d+$/;

/** Throws the `TelltaleConfigError` of a bad field. */
export const fail = (option: string, value: unknown, expected: string): never => {
  throw new TelltaleConfigError({ option, value, expected });
};

const clockMinutes = (option: string, value: unknown): number => {
  const match = typeof value === 'string' ? CLOCK.exec(value) : null;
  if (!match) return fail(option, value, 'a time "HH:MM" from "00:00" to "24:00"');
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
};

/** Alertmanager's `stringableRangeFromString`: lower-cased, `begin:end` or one member. */
const parseRange = (
  option: string,
  value: unknown,
  member: (text: string) => number | undefined,
  what: string,
): Range => {
  if (typeof value !== 'string' && typeof value !== 'number')
    return fail(option, value, `a ${what} or a range "begin:end"`);
  const parts = String(value).trim().toLowerCase().split(':');
  if (parts.length > 2) return fail(option, value, `a ${what} or a range "begin:end"`);
  const bounds = parts.map((part) => member(part.trim()));
  if (bounds.some((bound) => bound === undefined)) return fail(option, value, `a ${what} or a range "begin:end"`);
  return { begin: bounds[0]!, end: bounds[bounds.length - 1]! };
};

const integer = (text: string): number | undefined => (INTEGER.test(text) ? Number(text) : undefined);

const weekdayRange = (option: string, value: unknown): Range => {
  const range = parseRange(
    option,
    value,
    (text) => (WEEKDAYS.includes(text) ? WEEKDAYS.indexOf(text) : undefined),
    'weekday name',
  );
  // The week starts on Sunday (0), so "saturday:sunday" is reversed, as in Alertmanager.
  if (range.begin > range.end)
    fail(option, value, 'a weekday range whose start is not after its end (the week starts on sunday)');
  return range;
};

const dayOfMonthRange = (option: string, value: unknown): Range => {
  const range = parseRange(option, value, integer, 'day of the month');
  for (const day of [range.begin, range.end])
    if (day === 0 || day < -31 || day > 31) fail(option, value, 'days of the month from 1 to 31 or -31 to -1');
  if (range.begin < 0 && range.end > 0) fail(option, value, 'a negative end day when the start day is negative');
  // As Alertmanager: reject ranges reversed in every month (checked against a 28-day month).
  const begin = range.begin < 0 ? 28 + range.begin : range.begin;
  const end = range.end < 0 ? 28 + range.end : range.end;
  if (begin > end) fail(option, value, 'a day range whose end is not always before its start');
  return range;
};

const monthRange = (option: string, value: unknown): Range => {
  const range = parseRange(
    option,
    value,
    (text) => (MONTHS.includes(text) ? MONTHS.indexOf(text) + 1 : integer(text)),
    'month name or number',
  );
  if (range.begin < 1 || range.end > 12) fail(option, value, 'months from 1 (january) to 12 (december)');
  if (range.begin > range.end) fail(option, value, 'a month range whose start is not after its end');
  return range;
};

const yearRange = (option: string, value: unknown): Range => {
  const range = parseRange(option, value, integer, 'year');
  if (range.begin > range.end) fail(option, value, 'a year range whose start is not after its end');
  return range;
};

const resolveLocation = (option: string, value: unknown): string =>
  // Go's "Local" is the host's zone.
  timeZoneOption(option, value === 'Local' ? new Intl.DateTimeFormat().resolvedOptions().timeZone : value);

type WallClock = ReturnType<typeof readWallClock>;

// Groups flushing at one tick ask for the same instant; Intl's formatToParts costs ~20 µs.
const lastWallClock = new Map<string, { time: number; value: WallClock }>();

/** The wall-clock fields of `time` in `zone`. */
function wallClock(time: number, zone: string): WallClock {
  const cached = lastWallClock.get(zone);
  if (cached?.time === time) return cached.value;
  const value = readWallClock(time, zone);
  lastWallClock.set(zone, { time, value });
  return value;
}

function readWallClock(time: number, zone: string) {
  const { year, month, day, hour, minute, weekday } = zonedTime(time, zone);
  return {
    year,
    month,
    day,
    minute: hour * 60 + minute,
    weekday,
    // Calendar days of the month (the documented meaning of `-1`, also across a DST change).
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

const within = (ranges: readonly Range[] | undefined, value: number): boolean =>
  ranges === undefined || ranges.some((range) => value >= range.begin && value <= range.end);

/** Alertmanager's `TimeInterval.ContainsTime`. */
export function specContains(spec: CompiledSpec, time: number): boolean {
  const local = wallClock(time, spec.location);
  // Times are end-exclusive.
  if (spec.times && !spec.times.some((range) => local.minute >= range.begin && local.minute < range.end)) return false;
  if (spec.daysOfMonth) {
    const days = local.daysInMonth;
    const matched = spec.daysOfMonth.some((range) => {
      const begin = range.begin < 0 ? days + range.begin + 1 : range.begin;
      const end = range.end < 0 ? days + range.end + 1 : range.end;
      // A start beyond this month's last day never matches; an end beyond it is clamped to it.
      if (begin > days) return false;
      return local.day >= begin && local.day <= Math.min(end, days);
    });
    if (!matched) return false;
  }
  return within(spec.months, local.month) && within(spec.weekdays, local.weekday) && within(spec.years, local.year);
}

const list = <T>(option: string, value: unknown, item: (option: string, value: unknown) => T): T[] | undefined => {
  if (value === undefined) return undefined;
  if (!isList(value)) return fail(option, value, 'an array');
  return (value as readonly unknown[]).map((entry, index) => item(`${option}[${index}]`, entry));
};

const FIELDS = new Set(['times', 'weekdays', 'days_of_month', 'months', 'years', 'location']);

/** Validates one spec; problems name their path under `option`. */
export function compileSpec(option: string, input: unknown): CompiledSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(option, input, 'a time interval object (times, weekdays, days_of_month, months, years, location)');
  const spec = input as Record<string, unknown>;
  for (const key of Object.keys(spec))
    if (!FIELDS.has(key))
      fail(`${option}.${key}`, spec[key], 'no such field (times, weekdays, days_of_month, months, years, location)');
  return {
    times: list(`${option}.times`, spec.times, (path, value) => {
      if (typeof value !== 'object' || value === null)
        return fail(path, value, 'an object with start_time and end_time');
      const range = value as Record<string, unknown>;
      const begin = clockMinutes(`${path}.start_time`, range.start_time);
      const end = clockMinutes(`${path}.end_time`, range.end_time);
      if (begin >= end)
        fail(`${path}.end_time`, range.end_time, `a time after start_time "${String(range.start_time)}"`);
      return { begin, end };
    }),
    weekdays: list(`${option}.weekdays`, spec.weekdays, weekdayRange),
    daysOfMonth: list(`${option}.days_of_month`, spec.days_of_month, dayOfMonthRange),
    months: list(`${option}.months`, spec.months, monthRange),
    years: list(`${option}.years`, spec.years, yearRange),
    location: resolveLocation(`${option}.location`, spec.location),
  };
}
