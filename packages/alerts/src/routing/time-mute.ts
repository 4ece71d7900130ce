import type { Route } from './route-tree.js';
import type { TimeIntervals } from './time-intervals.js';

/**
 * Why a route is muted by time now. See {@link AlertGroupState.timeMute}.
 *
 * @example
 * ```ts
 * import type { TimeMute } from '@telltale/alerts';
 * const describe = (mute: TimeMute | undefined) =>
 *   mute === undefined ? 'sending' : `${mute.reason}: ${mute.intervals.join(', ')}`;
 * ```
 */
export interface TimeMute {
  readonly reason: 'mute_time_interval' | 'outside_active_time_intervals';
  readonly intervals: readonly string[];
}

/** Alertmanager's TimeActiveStage then TimeMuteStage: whether a route sends nothing at `time`. */
export function routeTimeMute(route: Route, intervals: TimeIntervals, time: number): TimeMute | undefined {
  if (route.activeTimeIntervals.length > 0 && intervals.matching(route.activeTimeIntervals, time).length === 0)
    return { reason: 'outside_active_time_intervals', intervals: route.activeTimeIntervals };
  if (route.muteTimeIntervals.length === 0) return undefined;
  const muting = intervals.matching(route.muteTimeIntervals, time);
  return muting.length > 0 ? { reason: 'mute_time_interval', intervals: muting } : undefined;
}
