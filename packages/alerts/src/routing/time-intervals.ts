import { isList } from './matchers.js';
import { compileSpec, fail, specContains, type CompiledSpec, type TimeIntervalSpec } from './time-interval-spec.js';

export type { TimeIntervalSpec, TimeRangeInput } from './time-interval-spec.js';

/**
 * A named time interval as Alertmanager's configuration lists it.
 *
 * @example
 * ```ts
 * import type { NamedTimeIntervalInput } from '@telltale/alerts';
 * const weekends: NamedTimeIntervalInput = { name: 'weekends', time_intervals: [{ weekdays: ['saturday', 'sunday'] }] };
 * ```
 */
export interface NamedTimeIntervalInput {
  name: string;
  time_intervals: readonly TimeIntervalSpec[];
}

/**
 * Named time intervals: a map from name to specs, or Alertmanager's list
 * form (`[{ name, time_intervals: [...] }]`).
 *
 * @example
 * ```ts
 * import type { TimeIntervalsInput } from '@telltale/alerts';
 * const byName: TimeIntervalsInput = { night: [{ times: [{ start_time: '00:00', end_time: '06:00' }] }] };
 * const asInAlertmanager: TimeIntervalsInput = [{ name: 'night', time_intervals: byName.night! }];
 * ```
 */
export type TimeIntervalsInput = Record<string, readonly TimeIntervalSpec[]> | readonly NamedTimeIntervalInput[];

/**
 * Validated, named time intervals. See {@link parseTimeIntervals}.
 *
 * @example
 * ```ts
 * import { parseTimeIntervals } from '@telltale/alerts';
 * const intervals = parseTimeIntervals({ weekends: [{ weekdays: ['saturday', 'sunday'] }] });
 * intervals.matching(['weekends'], new Date('2026-03-28T12:00:00Z')); // ['weekends'] (a Saturday)
 * ```
 */
export interface TimeIntervals {
  /** The defined names. */
  readonly names: ReadonlySet<string>;
  /** Whether `time` (epoch ms or Date) lies in the named interval (any of its specs); throws for an unknown name. */
  contains(name: string, time: number | Date): boolean;
  /** The names among `names` whose interval contains `time`, in the given order. */
  matching(names: readonly string[], time: number | Date): string[];
}

const toTime = (time: number | Date): number => (time instanceof Date ? time.getTime() : time);

/**
 * Validates named time intervals (Alertmanager's `time_intervals:` and legacy
 * `mute_time_intervals:`), with the same semantics as Alertmanager's
 * `timeinterval` package: an interval contains a time when any of its specs
 * does; a spec when all the fields it gives match, read in its `location`
 * (default UTC). Every problem is a `TelltaleConfigError` naming its path,
 * e.g. `timeIntervals.business_hours[0].times[0].start_time`.
 *
 * @example
 * ```ts
 * import { parseTimeIntervals } from '@telltale/alerts';
 * const intervals = parseTimeIntervals({
 *   business_hours: [
 *     { weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }], location: 'Europe/Berlin' },
 *   ],
 * });
 * intervals.contains('business_hours', Date.parse('2026-03-30T08:00:00Z')); // true (10:00 in Berlin, a Monday)
 * ```
 */
export function parseTimeIntervals(
  input: TimeIntervalsInput | undefined,
  options: { option?: string; legacy?: TimeIntervalsInput; legacyOption?: string } = {},
): TimeIntervals {
  const intervals = new Map<string, CompiledSpec[]>();
  const add = (value: TimeIntervalsInput | undefined, option: string): void => {
    if (value === undefined) return;
    if (typeof value !== 'object' || value === null)
      return fail(option, value, 'named time intervals: { name: [specs] } or [{ name, time_intervals }]');
    const entries: [string, unknown, string, string][] = isList(value)
      ? (value as readonly unknown[]).map((entry, index) => {
          const path = `${option}[${index}]`;
          if (typeof entry !== 'object' || entry === null) fail(path, entry, 'an object { name, time_intervals }');
          const { name, time_intervals: specs } = entry as Record<string, unknown>;
          return [name as string, specs, `${path}.time_intervals`, `${path}.name`];
        })
      : Object.entries(value).map(([name, specs]) => [name, specs, `${option}.${name}`, option]);
    for (const [name, specs, path, namePath] of entries) {
      if (typeof name !== 'string' || name === '') fail(namePath, name, 'a non-empty interval name');
      if (intervals.has(name)) fail(namePath, name, `a unique time interval name ("${name}" is defined twice)`);
      if (!isList(specs)) fail(path, specs, 'an array of time interval specs');
      intervals.set(
        name,
        (specs as readonly unknown[]).map((spec, index) => compileSpec(`${path}[${index}]`, spec)),
      );
    }
  };
  add(options.legacy, options.legacyOption ?? 'muteTimeIntervals');
  add(input, options.option ?? 'timeIntervals');
  const contains = (name: string, time: number | Date): boolean => {
    const specs = intervals.get(name);
    if (!specs) throw new RangeError(`Unknown time interval "${name}"`);
    const at = toTime(time);
    return specs.some((spec) => specContains(spec, at));
  };
  return {
    names: new Set(intervals.keys()),
    contains,
    matching: (names, time) => names.filter((name) => contains(name, time)),
  };
}
