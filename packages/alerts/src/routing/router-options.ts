import {
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Backoff,
  type BackoffOptionsInput,
  type Clock,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import { buildInhibitRules, type InhibitRule, type InhibitRuleInput } from './inhibitor.js';
import { receiverBackoff } from './receiver-backoff.js';
import { buildReceivers, type Receiver, type ReceiverInput } from './receivers.js';
import { buildRouteTree, routeReceivers, type Route, type RouteInput } from './route-tree.js';
import { parseTimeIntervals, type TimeIntervals, type TimeIntervalsInput } from './time-intervals.js';

/**
 * Backoff of a failing receiver (the router's `retry` option): `initial` (default `'1s'`), `max`
 * (default `'1m'`), `jitter` (default `'none'`: plain doubling); `initialDelay`/`maxDelay` are the
 * deprecated names of `initial`/`max`, removed in the next minor.
 *
 * @example
 * ```ts
 * const retry: ReceiverRetryOptions = { initial: '2s', max: '30s', jitter: 'full' };
 * createAlertRouter({ receivers, route, retry });
 * ```
 */
export type ReceiverRetryOptions = BackoffOptionsInput;

/** Options of {@link createAlertRouter}. */
export interface AlertRouterOptions {
  /** Alertmanager-style route tree (snake_case keys). */
  route: RouteInput;
  /** Receivers by name; every receiver named in the route must exist. */
  receivers: Record<string, ReceiverInput>;
  /** Alertmanager `inhibit_rules`. */
  inhibitRules?: readonly InhibitRuleInput[];
  /**
   * Named time intervals (Alertmanager's `time_intervals`) that routes refer to in
   * `mute_time_intervals` / `active_time_intervals`: `{ name: [specs] }` or `[{ name, time_intervals }]`.
   */
  timeIntervals?: TimeIntervalsInput;
  /** Alertmanager's legacy `mute_time_intervals` section; merged with `timeIntervals` (names must be unique). */
  muteTimeIntervals?: TimeIntervalsInput;
  /**
   * Minimum time between two notifications of one group while it fires, by the `severity` label
   * of its firing alerts (the shortest applies), e.g. `{ critical: '5m', warning: '30m' }`.
   */
  cooldowns?: Record<string, DurationInput>;
  /**
   * Backoff of a failing receiver, within the group's `group_interval`: `exponential()` from
   * `@telltale/core` (also exported by `@telltale/resilience`) with first wait `initial` (default
   * `'1s'`) doubling up to `max` (default `'1m'`), `jitter` default `'none'`.
   */
  retry?: ReceiverRetryOptions;
  /** `externalURL` of the payloads. Default `''`. */
  externalURL?: string;
  clock?: Clock;
  logger?: Partial<Logger>;
}

/** What every router has, with or without a route tree. */
export interface RouterBasics {
  readonly receivers: ReadonlyMap<string, Receiver>;
  readonly inhibitRules: readonly InhibitRule[];
  readonly externalURL: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Validated options of a router with a route tree. */
export interface RouterSettings extends RouterBasics {
  readonly route: Route;
  readonly timeIntervals: TimeIntervals;
  readonly cooldowns: ReadonlyMap<string, number>;
  readonly backoff: Backoff;
}

/** Validates the options of {@link createAlertRouter}, in the order the errors are reported. */
export function resolveRouterOptions(options: AlertRouterOptions): RouterSettings {
  validate.object('options', options);
  const timeIntervals = parseTimeIntervals(options.timeIntervals, { legacy: options.muteTimeIntervals });
  const route = buildRouteTree(options.route, 'route', timeIntervals.names);
  const receivers = buildReceivers(options.receivers);
  for (const name of routeReceivers(route))
    if (!receivers.has(name))
      throw new TelltaleConfigError({ option: 'route', value: name, expected: `a receiver defined in receivers` });
  const inhibitRules = buildInhibitRules(options.inhibitRules);
  const cooldowns = new Map(
    Object.entries(validate.object('cooldowns', options.cooldowns)).map(([severity, value]) => [
      severity,
      validate.duration(`cooldowns.${severity}`, value),
    ]),
  );
  return {
    route,
    receivers,
    inhibitRules,
    timeIntervals,
    cooldowns,
    backoff: receiverBackoff(options.retry),
    externalURL: options.externalURL ?? '',
    clock: options.clock ?? systemClock,
    logger: resolveLogger(options.logger),
  };
}
