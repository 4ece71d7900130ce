import { options as check, TelltaleConfigError, timeZoneOption, zonedTime } from '@telltale/core';
import { SEVERITIES, type Severity } from './message.js';

/**
 * A day of the week, as used by quiet-hours `days`.
 *
 * @example
 * ```ts
 * const weekend: Weekday[] = ['sat', 'sun'];
 * ```
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;

/**
 * A daily quiet window in local time, without its time zone (a recipient's
 * quiet hours take the recipient's `timezone`).
 *
 * @example
 * ```ts
 * const nights: QuietWindow = { start: '22:00', end: '07:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
 * ```
 */
export interface QuietWindow {
  /** Local start, `HH:MM` (24 h). */
  start: string;
  /** Local end, `HH:MM`; before `start` means the window spans midnight. */
  end: string;
  /** Local days on which the window *starts* (a Friday-night window that ends on Saturday is `'fri'`); default every day. */
  days?: readonly Weekday[];
  /** Messages at or above this severity are never held; default `critical`. */
  urgentSeverity?: Severity;
}

/**
 * A daily window, in a time zone, during which a channel holds back messages
 * below `urgentSeverity` until the window ends.
 *
 * @example
 * ```ts
 * const nights: QuietHours = { timezone: 'Europe/Berlin', start: '22:00', end: '07:00' };
 * ```
 */
export interface QuietHours extends QuietWindow {
  /** IANA time zone, e.g. `Europe/Berlin`; daylight-saving changes are followed. */
  timezone: string;
}

/** A validated quiet window. */
export interface ResolvedQuietHours {
  /** Validated IANA zone. */
  zone: string;
  start: number;
  end: number;
  /** Allowed start days as a bit set over `WEEKDAYS` indexes (Sunday = 0). */
  days: number;
  urgent: number;
  /** The last UTC minute (epoch ms / 60000) found outside the window: a cache for bursts. */
  outsideMinute: number;
}

function minutesOf(option: string, value: unknown): number {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (!match) throw new TelltaleConfigError({ option, value, expected: 'a local time "HH:MM" (24 h)' });
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Validates a quiet window in `zone` (validated already), throwing `TelltaleConfigError` naming the option. */
export function resolveQuietWindow(option: string, input: QuietWindow, zone: string): ResolvedQuietHours {
  check.object(option, input);
  const start = minutesOf(`${option}.start`, input.start);
  const end = minutesOf(`${option}.end`, input.end);
  if (start === end)
    throw new TelltaleConfigError({ option: `${option}.end`, value: input.end, expected: 'a time other than start' });
  const urgent = check.oneOf(`${option}.urgentSeverity`, input.urgentSeverity, SEVERITIES, 'critical');
  let days = 0b1111111;
  if (input.days !== undefined) {
    const list: unknown = input.days;
    if (!Array.isArray(list) || list.length === 0) {
      throw new TelltaleConfigError({
        option: `${option}.days`,
        value: list,
        expected: 'a non-empty array of weekdays',
      });
    }
    days = 0;
    for (const day of list) days |= 1 << WEEKDAYS.indexOf(check.oneOf(`${option}.days`, day as Weekday, WEEKDAYS));
  }
  return { zone, start, end, days, urgent: SEVERITIES.indexOf(urgent), outsideMinute: -1 };
}

/** Validates a channel's quiet-hours window, throwing `TelltaleConfigError` naming the option. */
export function resolveQuietHours(option: string, input: QuietHours): ResolvedQuietHours {
  check.object(option, input);
  // Required here (no default): a channel's quiet hours without a zone is almost certainly a mistake.
  const zone = timeZoneOption(`${option}.timezone`, input.timezone ?? '');
  return resolveQuietWindow(option, input, zone);
}

function localTime(zone: string, at: number): { minutes: number; weekday: number } {
  const { hour, minute, weekday } = zonedTime(at, zone);
  return { minutes: hour * 60 + minute, weekday };
}

/** Whether `at` lies inside the window (one that started on an allowed day). */
function inside(quiet: ResolvedQuietHours, at: number): boolean {
  const { minutes, weekday } = localTime(quiet.zone, at);
  const allowed = (day: number): boolean => (quiet.days & (1 << day)) !== 0;
  if (quiet.start < quiet.end) return minutes >= quiet.start && minutes < quiet.end && allowed(weekday);
  if (minutes >= quiet.start) return allowed(weekday);
  return minutes < quiet.end && allowed((weekday + 6) % 7);
}

/**
 * When a message of `severity` may go out: `now`, or the end of the quiet
 * window it falls into — the first instant at or after `now` that is outside
 * the window, in the window's zone, across daylight-saving changes (when a
 * spring-forward gap swallows `end`, the window ends at the jump).
 */
export function quietHoursRelease(quiet: ResolvedQuietHours, severity: Severity, now: number): number {
  if (SEVERITIES.indexOf(severity) >= quiet.urgent) return now;
  // Windows start and end on whole local minutes, and zone offsets are whole minutes, so one
  // answer holds for a whole UTC minute: a burst pays for one `Intl` lookup, not one per message.
  const minute = Math.floor(now / MINUTE);
  if (minute === quiet.outsideMinute) return now;
  if (!inside(quiet, now)) {
    quiet.outsideMinute = minute;
    return now;
  }
  const local = localTime(quiet.zone, now).minutes;
  const minuteStart = now - (now % MINUTE);
  const estimate = minuteStart + ((quiet.end - local + 1440) % 1440) * MINUTE;
  let candidate = estimate;
  // Wall-clock arithmetic is off by the offset change when a DST switch lies in between: correct it.
  for (let step = 0; step < 3; step++) {
    let drift = (quiet.end - localTime(quiet.zone, candidate).minutes + 1440) % 1440;
    if (drift > 720) drift -= 1440;
    if (drift === 0) break;
    candidate += drift * MINUTE;
  }
  if (candidate > now && !inside(quiet, candidate) && inside(quiet, candidate - MINUTE)) return candidate;
  // `end` does not exist that day (a DST gap): walk forward from safely inside the window to its first minute outside.
  let at = Math.max(minuteStart, estimate - 3 * 60 * MINUTE);
  for (let step = 0; step < 1500 && inside(quiet, at); step++) at += MINUTE;
  return Math.max(now, at);
}
