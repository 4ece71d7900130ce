import type { Clock, Logger, TimerHandle, TimerOptions } from '@telltale/core';
import { labelsKey, type Labels } from '../store/labels.js';
import type { AlertStore } from './alert-store.js';
import { labelSetString } from './matchers.js';
import type { MuteReason } from './mute-stage.js';
import type { NotificationLogEntry } from './notify-decision.js';
import { compareAlerts, isResolved, type RoutedAlert } from './payload.js';
import { groupLabelsFor, matchRoutes, type Route } from './route-tree.js';
import type { AlertGroupState, RouterAlertInput } from './router-types.js';
import { routeTimeMute } from './time-mute.js';
import type { TimeIntervals } from './time-intervals.js';
import { logKeyOf, type FlushedGroup, type ResolvedVersion } from './flush-stages.js';

/** An aggregation group (Alertmanager's `aggrGroup`): the alerts of one route with equal group labels. */
interface AggregationGroup extends FlushedGroup {
  readonly id: string;
  readonly alerts: Map<string, RoutedAlert>;
  timer: TimerHandle | undefined;
  hasFlushed: boolean;
  flushing: Promise<void> | undefined;
}

/** Group timers run the dispatch loop, which nobody awaits (as Alertmanager's); retries in a flush are awaited. */
const BACKGROUND: TimerOptions = { background: true };

/** What the dispatcher needs from its router. */
export interface DispatcherContext {
  readonly route: Route;
  readonly store: AlertStore;
  readonly notificationLog: ReadonlyMap<string, NotificationLogEntry>;
  readonly timeIntervals: TimeIntervals;
  readonly mutedBy: (labels: Labels, fingerprint: string) => MuteReason | undefined;
  /** Runs the flush stages; resolves to the resolved alerts to drop, `undefined` when held. */
  readonly flush: (group: FlushedGroup) => Promise<ResolvedVersion[] | undefined>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The dispatcher: aggregation groups on the route tree, each flushed on its own timers. */
export interface Dispatcher {
  /** Takes one alert (`restoring`: from a snapshot, so a resolution is kept to be sent). */
  put(input: RouterAlertInput, restoring?: boolean): void;
  groups(): AlertGroupState[];
  close(): Promise<void>;
}

/**
 * Alertmanager's dispatcher (dispatch/dispatch.go): an alert joins one group per matching route;
 * a new group flushes after `group_wait` (at once for an alert older than that), then every
 * `group_interval`. A flush still retrying a receiver owns its group, so ticks meanwhile are skipped.
 */
export function createDispatcher(context: DispatcherContext): Dispatcher {
  const { route, store, notificationLog, clock, logger } = context;
  const groups = new Map<string, AggregationGroup>();
  let closed = false;

  const destroyIfEmpty = (group: AggregationGroup): void => {
    if (group.alerts.size > 0) return;
    if (group.timer !== undefined) clock.clearTimeout(group.timer);
    groups.delete(group.id);
  };
  // An alert leaves the store once no group holds it.
  const forget = (alert: RoutedAlert): void => {
    for (const group of groups.values()) if (group.alerts.has(alert.fingerprint)) return;
    store.delete(alert.fingerprint);
  };
  const deleteResolvedUnchanged = (group: AggregationGroup, resolved: readonly ResolvedVersion[]): void => {
    for (const { alert, version } of resolved) {
      if (group.alerts.get(alert.fingerprint) === alert && alert.version === version) {
        group.alerts.delete(alert.fingerprint);
        forget(alert);
      }
    }
    destroyIfEmpty(group);
  };

  const flush = async (group: AggregationGroup): Promise<void> => {
    group.hasFlushed = true;
    const done = await context.flush(group);
    if (done) deleteResolvedUnchanged(group, done);
  };

  const tick = (group: AggregationGroup): void => {
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
      const created: AggregationGroup = {
        id,
        key: groupKeyOf(target, alert.labels),
        route: target,
        labels,
        alerts: new Map(),
        timer: undefined,
        hasFlushed: false,
        flushing: undefined,
      };
      groups.set(id, created);
      created.timer = clock.setTimeout(() => tick(created), target.groupWait, BACKGROUND);
      group = created;
    }
    group.alerts.set(alert.fingerprint, alert);
    // As Alertmanager: an alert older than group_wait flushes a group that has not flushed yet at once.
    if (!group.hasFlushed && alert.startsAt + target.groupWait < clock.now()) {
      if (group.timer !== undefined) clock.clearTimeout(group.timer);
      const ready = group;
      group.timer = clock.setTimeout(() => tick(ready), 0, BACKGROUND);
    }
  };

  return {
    put(input, restoring = false) {
      const time = clock.now();
      const { fingerprint, annotations } = store.read(input);
      const existing = store.get(fingerprint);
      if (existing) {
        store.update(existing, input, annotations);
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
          const entry = notificationLog.get(logKeyOf(groupKeyOf(target, input.labels), target.receiver));
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
      store.add(alert);
      for (const target of targets) insert(target, alert);
    },
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
          mutedBy: context.mutedBy(alert.labels, alert.fingerprint),
        })),
        lastNotifiedAt: notificationLog.get(logKeyOf(group.key, group.route.receiver))?.timestamp,
        timeMute: routeTimeMute(group.route, context.timeIntervals, time),
      }));
    },
    async close() {
      closed = true;
      for (const group of groups.values()) if (group.timer !== undefined) clock.clearTimeout(group.timer);
      await Promise.all([...groups.values()].flatMap((group) => (group.flushing ? [group.flushing] : [])));
    },
  };
}
