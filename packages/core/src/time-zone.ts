import { TelltaleConfigError } from './errors.js';

/** The wall-clock reading of an instant in a time zone. */
export interface ZonedTime {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  /** 0–23. */
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * Validates an IANA time zone option (`'UTC'` when absent), throwing
 * `TelltaleConfigError` naming the option for anything `Intl` does not know.
 *
 * @example
 * ```ts
 * import { timeZoneOption } from '@telltale/core';
 * timeZoneOption('quietHours.timezone', 'Europe/Berlin'); // 'Europe/Berlin'
 * timeZoneOption('quietHours.timezone', 'Mars/Olympus'); // throws TELLTALE_CONFIG
 * ```
 */
export function timeZoneOption(option: string, value: unknown): string {
  if (value === undefined) return 'UTC';
  try {
    if (typeof value !== 'string' || value === '') throw new RangeError('not a zone name');
    formatterFor(value);
    return value;
  } catch {
    throw new TelltaleConfigError({ option, value, expected: 'an IANA time zone such as "Europe/Berlin"' });
  }
}

/**
 * The wall-clock reading of `time` (epoch ms) in `zone` (a zone accepted by
 * {@link timeZoneOption}), daylight-saving changes included. Formatters are
 * cached per zone and UTC needs no `Intl` call; each other call costs one
 * `formatToParts` (~20 µs), so cache results on hot paths.
 *
 * @example
 * ```ts
 * import { zonedTime } from '@telltale/core';
 * zonedTime(Date.UTC(2026, 2, 29, 1, 30), 'Europe/Berlin'); // { year: 2026, month: 3, day: 29, hour: 3, minute: 30, weekday: 0 }
 * ```
 */
export function zonedTime(time: number, zone: string): ZonedTime {
  if (zone === 'UTC') {
    const date = new Date(time);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      weekday: date.getUTCDay(),
    };
  }
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(time))
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const year = parts.year!;
  const month = parts.month!;
  const day = parts.day!;
  return {
    year,
    month,
    day,
    hour: parts.hour!,
    minute: parts.minute!,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}
