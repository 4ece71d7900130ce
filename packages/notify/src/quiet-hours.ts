import { options as check, TelltaleConfigError } from '@telltale/core';
import { SEVERITIES, type Severity } from './message.js';

/**
 * A daily window, in a time zone, during which a channel holds back messages
 * below `urgentSeverity` until the window ends.
 *
 * @example
 * ```ts
 * const nights: QuietHours = { timezone: 'Europe/Berlin', start: '22:00', end: '07:00' };
 * ```
 */
export interface QuietHours {
  /** IANA time zone, e.g. `Europe/Berlin`; daylight-saving changes are followed. */
  timezone: string;
  /** Local start, `HH:MM` (24 h). */
  start: string;
  /** Local end, `HH:MM`; before `start` means the window spans midnight. */
  end: string;
  /** Messages at or above this severity are never held; default `critical`. */
  urgentSeverity?: Severity;
}

interface ResolvedQuietHours {
  format: Intl.DateTimeFormat;
  start: number;
  end: number;
  urgent: number;
}

function minutesOf(option: string, value: unknown): number {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (!match) throw new TelltaleConfigError({ option, value, expected: 'a local time "HH:MM" (24 h)' });
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Validates a quiet-hours window, throwing `TelltaleConfigError` naming the option. */
export function resolveQuietHours(option: string, input: QuietHours): ResolvedQuietHours {
  check.object(option, input);
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: input.timezone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new TelltaleConfigError({
      option: `${option}.timezone`,
      value: input.timezone,
      expected: 'an IANA time zone',
    });
  }
  const start = minutesOf(`${option}.start`, input.start);
  const end = minutesOf(`${option}.end`, input.end);
  if (start === end)
    throw new TelltaleConfigError({ option: `${option}.end`, value: input.end, expected: 'a time other than start' });
  const urgent = check.oneOf(`${option}.urgentSeverity`, input.urgentSeverity, SEVERITIES, 'critical');
  return { format, start, end, urgent: SEVERITIES.indexOf(urgent) };
}

function localMinutes(format: Intl.DateTimeFormat, at: number): number {
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/**
 * When a message of `severity` may go out: `now`, or the end of the quiet
 * window it falls into (the first instant whose local time is `end`,
 * across daylight-saving changes).
 */
export function quietHoursRelease(quiet: ResolvedQuietHours, severity: Severity, now: number): number {
  if (SEVERITIES.indexOf(severity) >= quiet.urgent) return now;
  const local = localMinutes(quiet.format, now);
  const inside =
    quiet.start < quiet.end ? local >= quiet.start && local < quiet.end : local >= quiet.start || local < quiet.end;
  if (!inside) return now;
  const minuteStart = now - (now % 60_000);
  let candidate = minuteStart + ((quiet.end - local + 1440) % 1440) * 60_000;
  // Wall-clock arithmetic is off by the offset change when a DST switch lies in between: correct it.
  for (let step = 0; step < 3; step++) {
    let drift = (quiet.end - localMinutes(quiet.format, candidate) + 1440) % 1440;
    if (drift > 720) drift -= 1440;
    if (drift === 0) break;
    candidate += drift * 60_000;
  }
  return Math.max(now, candidate);
}
