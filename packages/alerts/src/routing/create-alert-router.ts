import {
  createEmitter,
  delay,
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type AlertGroup,
  type BackoffOptionsInput,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
  type TimerHandle,
  type TimerOptions,
} from '@telltale/core';
import { labelsKey, type Labels } from '../store/labels.js';
import { fingerprint as fingerprintOf } from '../engine/fingerprint.js';
import { buildInhibitRules, createInhibitionIndex, type InhibitRuleInput } from './inhibitor.js';
import { isList, labelSetString, type MatcherInput } from './matchers.js';
import { needsUpdate, type NotificationLogEntry } from './notify-decision.js';
import { buildPayload, compareAlerts, isResolved, type RoutedAlert } from './payload.js';
import {
  buildRouteTree,
  groupLabelsFor,
  matchRoutes,
  routeReceivers,
  type Route,
  type RouteInput,
} from './route-tree.js';
import { receiverBackoff } from './receiver-backoff.js';
import { createSilences, type Silence, type SilenceOptions, type SilenceRecord } from './silences.js';
import { parseTimeIntervals, type TimeIntervals, type TimeIntervalsInput } from './time-intervals.js';

/** A receiver: an async function called with one Alertmanager v4 alert group. */
export type AlertReceiver = (group: AlertGroup) => void | Promise<void>;

/** A receiver with Alertmanager's per-receiver webhook settings. */
export interface ReceiverConfig {
  notify: AlertReceiver;
  /** Also send resolved alerts (webhook default). Default `true`. */
  sendResolved?: boolean;
  /** Cap on alerts per payload (`max_alerts`); the rest is counted in `truncatedAlerts`. 0 = no cap. */
  maxAlerts?: number;
}

/** A receiver given as a function or with settings. */
export type ReceiverInput = AlertReceiver | ReceiverConfig;

/** An alert handed to the router. */
export interface RouterAlertInput {
  labels: Labels;
  annotations?: Record<string, string>;
  /** When it started firing (epoch ms). */
  startsAt: number;
  /** When it resolved (epoch ms); omit while firing. */
  endsAt?: number;
  generatorURL?: string;
}

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

/** One delivery attempt, as `onNotification` reports it. */
export interface NotificationEvent {
  readonly receiver: string;
  readonly groupKey: string;
  readonly time: number;
  readonly attempt: number;
  readonly outcome: 'success' | 'failure';
  readonly payload: AlertGroup;
  readonly error?: unknown;
}

/** A group as `groups()` reports it. */
export interface AlertGroupState {
  readonly groupKey: string;
  readonly receiver: string;
  readonly labels: Labels;
  readonly alerts: readonly {
    readonly fingerprint: string;
    readonly labels: Labels;
    readonly status: 'firing' | 'resolved';
    /** Why it is not notified, if muted. */
    readonly mutedBy: 'silence' | 'inhibition' | undefined;
  }[];
  readonly lastNotifiedAt: number | undefined;
  /**
   * Whether the group's route is muted by time now, and by which intervals: the matching
   * `mute_time_intervals` (`reason: 'mute_time_interval'`), or all its `active_time_intervals`
   * when none contains now (`reason: 'outside_active_time_intervals'`). `undefined` when not muted.
   */
  readonly timeMute: TimeMute | undefined;
}

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

/** The router's durable part: its alerts, silences and the notification log. */
export interface RouterSnapshot {
  alerts?: {
    labels: Labels;
    annotations: Record<string, string>;
    startsAt: number;
    endsAt?: number;
    generatorURL: string;
  }[];
  silences: SilenceRecord[];
  notificationLog: Record<string, NotificationLogEntry>;
}

/** Alertmanager-style routing, grouping, inhibition and silences. See {@link createAlertRouter}. */
export interface AlertRouter {
  /** Adds or updates alerts (like `POST /api/v2/alerts`). A resolved alert the router never saw firing is ignored. */
  put(alerts: readonly RouterAlertInput[]): void;
  /** Creates a silence; returns its id. */
  silence(matchers: string | readonly MatcherInput[], options: SilenceOptions): string;
  /** Ends a silence now; `false` if unknown or already expired. */
  expireSilence(id: string): boolean;
  silences(): Silence[];
  groups(): AlertGroupState[];
  /** Whether a label set is silenced or inhibited now. */
  mutedBy(labels: Labels): 'silence' | 'inhibition' | undefined;
  /** Called after every delivery attempt. */
  onNotification(listener: (event: NotificationEvent) => void): Disposable;
  snapshot(): RouterSnapshot;
  restore(snapshot: RouterSnapshot): void;
  /** Stops the group timers and retries (in-flight receivers are not awaited beyond their current call). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Group {
  readonly id: string;
  readonly key: string;
  readonly route: Route;
  readonly labels: Labels;
  readonly alerts: Map<string, RoutedAlert>;
  timer: TimerHandle | undefined;
  hasFlushed: boolean;
  flushing: Promise<void> | undefined;
}

/** Group timers run the dispatch loop, which nobody awaits (as Alertmanager's); retries in a flush are awaited. */
const BACKGROUND: TimerOptions = { background: true };

function receiverConfig(name: string, input: ReceiverInput): Required<ReceiverConfig> {
  if (typeof input === 'function') return { notify: input, sendResolved: true, maxAlerts: 0 };
  validate.object(`receivers.${name}`, input);
  if (typeof input.notify !== 'function')
    throw new TelltaleConfigError({ option: `receivers.${name}.notify`, value: input.notify, expected: 'a function' });
  return {
    notify: input.notify,
    sendResolved: input.sendResolved ?? true,
    maxAlerts: validate.nonNegativeInteger(`receivers.${name}.maxAlerts`, input.maxAlerts, 0),
  };
}

/** Validates a receivers map (functions or `{ notify, sendResolved, maxAlerts }`). */
export function buildReceivers(input: unknown): Map<string, Required<ReceiverConfig>> {
  const receivers = validate.object('receivers', input as object | undefined) as Record<string, ReceiverInput>;
  return new Map(Object.entries(receivers).map(([name, value]) => [name, receiverConfig(name, value)]));
}

/**
 * Creates an Alertmanager-compatible router: alerts are matched against the
 * route tree, grouped by `group_by`, and each group notifies its receiver
 * after `group_wait`, then at every `group_interval` tick when it changed, and
 * again after `repeat_interval` — Alertmanager's dispatcher and dedup stage,
 * driven by an injectable clock. Silences and inhibition rules mute alerts.
 *
 * @example
 * ```ts
 * import { createAlertRouter } from '@telltale/alerts';
 * const router = createAlertRouter({
 *   route: { receiver: 'ops', group_by: ['alertname'], routes: [{ receiver: 'pager', matchers: ['severity="critical"'] }] },
 *   receivers: { ops: async (group) => {}, pager: async (group) => {} },
 * });
 * router.put([{ labels: { alertname: 'High', severity: 'critical' }, startsAt: Date.now() }]);
 * ```
 */
export function createAlertRouter(options: AlertRouterOptions): AlertRouter {
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
  const backoff = receiverBackoff(options.retry);
  const externalURL = options.externalURL ?? '';
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const silences = createSilences(() => clock.now());
  const alerts = new Map<string, RoutedAlert>();
  const groups = new Map<string, Group>();
  const notificationLog = new Map<string, NotificationLogEntry>();
  const notifications = createEmitter<NotificationEvent>((error) =>
    logger.warn({ err: error }, 'alert router: notification listener failed'),
  );
  const abort = new AbortController();
  let closed = false;

  // The inhibition index is rebuilt only when an alert changed or time moved (a flush of many
  // groups at one tick shares it).
  let generation = 0;
  let index: { key: string; inhibited: (labels: Labels, fingerprint: string) => boolean } | undefined;
  const inhibited = (labels: Labels, fingerprint: string): boolean => {
    const time = clock.now();
    const key = `${generation}:${time}`;
    if (index?.key !== key) {
      const firing = [...alerts.values()].filter((alert) => !isResolved(alert, time));
      index = { key, inhibited: createInhibitionIndex(inhibitRules, firing) };
    }
    return index.inhibited(labels, fingerprint);
  };
  const mutedBy = (labels: Labels, fingerprint = fingerprintOf(labels)): 'silence' | 'inhibition' | undefined => {
    if (silences.matching(labels).length > 0) return 'silence';
    if (inhibitRules.length > 0 && inhibited(labels, fingerprint)) return 'inhibition';
    return undefined;
  };

  const destroyIfEmpty = (group: Group): void => {
    if (group.alerts.size > 0) return;
    if (group.timer !== undefined) clock.clearTimeout(group.timer);
    groups.delete(group.id);
  };
  const forget = (alert: RoutedAlert): void => {
    for (const group of groups.values()) if (group.alerts.has(alert.fingerprint)) return;
    alerts.delete(alert.fingerprint);
    generation++;
  };
  const deleteResolvedUnchanged = (group: Group, resolved: readonly { alert: RoutedAlert; version: number }[]) => {
    for (const { alert, version } of resolved) {
      if (group.alerts.get(alert.fingerprint) === alert && alert.version === version) {
        group.alerts.delete(alert.fingerprint);
        forget(alert);
      }
    }
    destroyIfEmpty(group);
  };

  const cooldownFor = (firing: readonly RoutedAlert[]): number => {
    let result = 0;
    for (const alert of firing) {
      const value = cooldowns.get(alert.labels.severity ?? '');
      if (value !== undefined) result = result === 0 ? value : Math.min(result, value);
    }
    return result;
  };

  const deliver = async (group: Group, payload: AlertGroup): Promise<boolean> => {
    const receiver = receivers.get(group.route.receiver)!;
    const deadline = clock.now() + group.route.groupInterval;
    let wait = backoff.delay(1, 0);
    for (let attempt = 1; ; attempt++) {
      try {
        await receiver.notify(payload);
        notifications.emit({
          receiver: payload.receiver,
          groupKey: group.key,
          time: clock.now(),
          attempt,
          outcome: 'success',
          payload,
        });
        return true;
      } catch (error) {
        notifications.emit({
          receiver: payload.receiver,
          groupKey: group.key,
          time: clock.now(),
          attempt,
          outcome: 'failure',
          payload,
          error,
        });
        if (closed || clock.now() + wait >= deadline) {
          logger.error(
            { err: error, receiver: payload.receiver, groupKey: group.key, attempt },
            'alert router: receiver failed, giving up until the next group_interval',
          );
          return false;
        }
        logger.warn(
          { err: error, receiver: payload.receiver, groupKey: group.key, attempt },
          'alert router: receiver failed, retrying',
        );
        try {
          await delay(wait, { clock, signal: abort.signal });
        } catch {
          return false;
        }
        wait = backoff.delay(attempt + 1, wait);
      }
    }
  };

  const flush = async (group: Group): Promise<void> => {
    group.hasFlushed = true;
    const time = clock.now();
    const all = [...group.alerts.values()].sort(compareAlerts);
    const resolvedAll = all
      .filter((alert) => isResolved(alert, time))
      .map((alert) => ({ alert, version: alert.version }));
    // As Alertmanager: a route muted by time drops the whole flush, which still counts as done, so
    // resolved alerts are forgotten (their resolution is never sent) and nothing is logged.
    const timeMute = routeTimeMute(group.route, timeIntervals, time);
    if (timeMute) {
      logger.debug(
        { groupKey: group.key, receiver: group.route.receiver, ...timeMute },
        'alert router: route muted by time interval, nothing sent',
      );
      deleteResolvedUnchanged(group, resolvedAll);
      return;
    }
    const visible = all.filter((alert) => mutedBy(alert.labels, alert.fingerprint) === undefined);
    const firing = visible.filter((alert) => !isResolved(alert, time));
    const resolved = visible.filter((alert) => isResolved(alert, time));
    // As Alertmanager's pipeline: nothing left after muting ends the flush without logging anything.
    if (visible.length === 0) {
      deleteResolvedUnchanged(group, resolvedAll);
      return;
    }
    const receiver = receivers.get(group.route.receiver)!;
    const logKey = `${group.key}\u0000${group.route.receiver}`;
    const entry = notificationLog.get(logKey);
    const firingSet = new Set(firing.map((alert) => alert.fingerprint));
    const resolvedSet = new Set(resolved.map((alert) => alert.fingerprint));
    const decision = needsUpdate(entry, firingSet, resolvedSet, {
      repeatInterval: group.route.repeatInterval,
      sendResolved: receiver.sendResolved,
      now: time,
    });
    if (!decision) {
      deleteResolvedUnchanged(group, resolvedAll);
      return;
    }
    const cooldown = cooldownFor(firing);
    if (entry && firing.length > 0 && cooldown > 0 && time - entry.timestamp < cooldown) return;
    const sent = receiver.sendResolved ? visible : firing;
    const logEntry = (timestamp: number): void => {
      notificationLog.set(logKey, { firing: [...firingSet], resolved: [...resolvedSet], timestamp });
    };
    if (sent.length === 0) {
      logEntry(time);
      deleteResolvedUnchanged(group, resolvedAll);
      return;
    }
    const payload = buildPayload({
      groupKey: group.key,
      receiver: group.route.receiver,
      groupLabels: group.labels,
      alerts: sent,
      externalURL,
      maxAlerts: receiver.maxAlerts,
      time,
    });
    if (await deliver(group, payload)) {
      logEntry(clock.now());
      deleteResolvedUnchanged(group, resolvedAll);
    }
  };

  const tick = (group: Group): void => {
    if (closed) return;
    group.timer = clock.setTimeout(() => tick(group), group.route.groupInterval, BACKGROUND);
    // A flush still retrying a receiver owns the group; this tick is skipped, as it never blocks.
    if (group.flushing) return;
    group.flushing = flush(group)
      .catch((error: unknown) => logger.error({ err: error, groupKey: group.key }, 'alert router: flush failed'))
      .finally(() => (group.flushing = undefined));
  };

  const groupKeyOf = (target: Route, labels: Labels): string =>
    `${target.key}:${labelSetString(groupLabelsFor(target, labels))}`;

  const insert = (target: Route, alert: RoutedAlert): void => {
    const labels = groupLabelsFor(target, alert.labels);
    const id = `${target.id}\u0000${labelsKey(labels)}`;
    let group = groups.get(id);
    if (!group) {
      group = {
        id,
        key: groupKeyOf(target, alert.labels),
        route: target,
        labels,
        alerts: new Map(),
        timer: undefined,
        hasFlushed: false,
        flushing: undefined,
      };
      groups.set(id, group);
      const created = group;
      group.timer = clock.setTimeout(() => tick(created), target.groupWait, BACKGROUND);
    }
    group.alerts.set(alert.fingerprint, alert);
    // As Alertmanager: an alert older than group_wait flushes a group that has not flushed yet at once.
    if (!group.hasFlushed && alert.startsAt + target.groupWait < clock.now()) {
      if (group.timer !== undefined) clock.clearTimeout(group.timer);
      const ready = group;
      group.timer = clock.setTimeout(() => tick(ready), 0, BACKGROUND);
    }
  };

  const put = (input: RouterAlertInput, restoring = false): void => {
    const time = clock.now();
    validate.object('alert', input);
    validate.object('alert.labels', input.labels);
    const fingerprint = fingerprintOf(input.labels);
    const existing = alerts.get(fingerprint);
    const annotations = { ...input.annotations };
    if (existing) {
      const changed =
        existing.endsAt !== input.endsAt ||
        existing.startsAt !== input.startsAt ||
        JSON.stringify(existing.annotations) !== JSON.stringify(annotations);
      if (!changed) return;
      existing.annotations = annotations;
      existing.startsAt = input.startsAt;
      existing.endsAt = input.endsAt;
      existing.generatorURL = input.generatorURL ?? existing.generatorURL;
      existing.version++;
      generation++;
      return;
    }
    let targets = matchRoutes(route, input.labels);
    // A resolution is kept on restore, so it is still sent after a restart. Otherwise a resolved
    // alert the router does not hold is only taken by groups whose receiver was told it fired and
    // not yet that it resolved: a muted flush (time interval, silence) dropped it. Alertmanager
    // takes every alert it receives, so a sender re-sending the resolution (Prometheus does for
    // 15 min) gets it through once the mute ends; elsewhere it would send nothing new.
    if (!restoring && input.endsAt !== undefined && input.endsAt <= time) {
      targets = targets.filter((target) => {
        const entry = notificationLog.get(`${groupKeyOf(target, input.labels)}\u0000${target.receiver}`);
        return entry !== undefined && entry.firing.includes(fingerprint) && !entry.resolved.includes(fingerprint);
      });
      if (targets.length === 0) return;
    }
    const alert: RoutedAlert = {
      fingerprint,
      labels: { ...input.labels },
      annotations,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      generatorURL: input.generatorURL ?? '',
      version: 0,
    };
    alerts.set(fingerprint, alert);
    generation++;
    for (const target of targets) insert(target, alert);
  };

  const close = async (): Promise<void> => {
    closed = true;
    abort.abort();
    for (const group of groups.values()) if (group.timer !== undefined) clock.clearTimeout(group.timer);
    await Promise.all([...groups.values()].flatMap((group) => (group.flushing ? [group.flushing] : [])));
  };

  return {
    put(input) {
      if (!isList(input)) throw new TelltaleConfigError({ option: 'alerts', value: input, expected: 'an array' });
      for (const alert of input) put(alert);
    },
    silence: (matchers, silenceOptions) => silences.add(matchers, silenceOptions),
    expireSilence: (id) => silences.expire(id),
    silences: () => silences.list(),
    groups() {
      const time = clock.now();
      return [...groups.values()].map((group) => ({
        groupKey: group.key,
        receiver: group.route.receiver,
        labels: { ...group.labels },
        alerts: [...group.alerts.values()].sort(compareAlerts).map((alert) => ({
          fingerprint: alert.fingerprint,
          labels: { ...alert.labels },
          status: isResolved(alert, time) ? ('resolved' as const) : ('firing' as const),
          mutedBy: mutedBy(alert.labels, alert.fingerprint),
        })),
        lastNotifiedAt: notificationLog.get(`${group.key}\u0000${group.route.receiver}`)?.timestamp,
        timeMute: routeTimeMute(group.route, timeIntervals, time),
      }));
    },
    mutedBy: (labels) => mutedBy(labels),
    onNotification: (listener) => notifications.on(listener),
    snapshot: () => ({
      alerts: [...alerts.values()].map((alert) => ({
        labels: { ...alert.labels },
        annotations: { ...alert.annotations },
        startsAt: alert.startsAt,
        ...(alert.endsAt === undefined ? {} : { endsAt: alert.endsAt }),
        generatorURL: alert.generatorURL,
      })),
      silences: silences.records(),
      notificationLog: Object.fromEntries(notificationLog),
    }),
    restore(snapshot) {
      for (const alert of snapshot.alerts ?? []) put(alert, true);
      silences.restore(snapshot.silences ?? []);
      for (const [key, entry] of Object.entries(snapshot.notificationLog ?? {})) notificationLog.set(key, { ...entry });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
