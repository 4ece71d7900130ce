import type { Logger } from '@telltale/core';
import type { Labels } from '../store/labels.js';
import type { MuteReason } from './mute-stage.js';
import { needsUpdate, type NotificationLogEntry } from './notify-decision.js';
import { buildPayload, compareAlerts, isResolved, type RoutedAlert } from './payload.js';
import type { Receiver } from './receivers.js';
import { deliverWithRetry, type RetryStageContext } from './retry-stage.js';
import type { Route } from './route-tree.js';
import { routeTimeMute } from './time-mute.js';
import type { TimeIntervals } from './time-intervals.js';

/** The part of an aggregation group a flush reads. */
export interface FlushedGroup {
  readonly key: string;
  readonly route: Route;
  readonly labels: Labels;
  readonly alerts: ReadonlyMap<string, RoutedAlert>;
}

/** A resolved alert as the flush saw it: it leaves the group only if it did not change since. */
export interface ResolvedVersion {
  readonly alert: RoutedAlert;
  readonly version: number;
}

/** What the flush stages need from their router. */
export interface FlushContext extends RetryStageContext {
  readonly receivers: ReadonlyMap<string, Receiver>;
  readonly timeIntervals: TimeIntervals;
  readonly cooldowns: ReadonlyMap<string, number>;
  readonly externalURL: string;
  readonly logger: Logger;
  readonly mutedBy: (labels: Labels, fingerprint: string) => MuteReason | undefined;
  readonly notificationLog: Map<string, NotificationLogEntry>;
}

/** The notification-log key of a group and its receiver. */
export const logKeyOf = (groupKey: string, receiver: string): string => `${groupKey}\u0000${receiver}`;

function cooldownFor(cooldowns: ReadonlyMap<string, number>, firing: readonly RoutedAlert[]): number {
  let result = 0;
  for (const alert of firing) {
    const value = cooldowns.get(alert.labels.severity ?? '');
    if (value !== undefined) result = result === 0 ? value : Math.min(result, value);
  }
  return result;
}

/**
 * One flush of an aggregation group through Alertmanager's pipeline (notify/notify.go): the time
 * active/mute stages, the mute stage (silences, inhibition), the dedup stage against the
 * notification log (plus Telltale's per-severity cooldown), the retry stage and the set-notifies
 * stage. Resolves to the resolved alerts to drop from the group when the flush is done, or
 * `undefined` when it is held (cooldown, or the receiver kept failing) and the next tick tries again.
 */
export async function flushGroup(context: FlushContext, group: FlushedGroup): Promise<ResolvedVersion[] | undefined> {
  const { logger, notificationLog } = context;
  const time = context.clock.now();
  const all = [...group.alerts.values()].sort(compareAlerts);
  const resolvedAll = all
    .filter((alert) => isResolved(alert, time))
    .map((alert) => ({ alert, version: alert.version }));
  // As Alertmanager: a route muted by time drops the whole flush, which still counts as done, so
  // resolved alerts are forgotten (their resolution is never sent) and nothing is logged.
  const timeMute = routeTimeMute(group.route, context.timeIntervals, time);
  if (timeMute) {
    logger.debug(
      { groupKey: group.key, receiver: group.route.receiver, ...timeMute },
      'alert router: route muted by time interval, nothing sent',
    );
    return resolvedAll;
  }
  const visible = all.filter((alert) => context.mutedBy(alert.labels, alert.fingerprint) === undefined);
  const firing = visible.filter((alert) => !isResolved(alert, time));
  const resolved = visible.filter((alert) => isResolved(alert, time));
  // As Alertmanager's pipeline: nothing left after muting ends the flush without logging anything.
  if (visible.length === 0) return resolvedAll;
  const receiver = context.receivers.get(group.route.receiver)!;
  const logKey = logKeyOf(group.key, group.route.receiver);
  const entry = notificationLog.get(logKey);
  const firingSet = new Set(firing.map((alert) => alert.fingerprint));
  const resolvedSet = new Set(resolved.map((alert) => alert.fingerprint));
  const decision = needsUpdate(entry, firingSet, resolvedSet, {
    repeatInterval: group.route.repeatInterval,
    sendResolved: receiver.sendResolved,
    now: time,
  });
  if (!decision) return resolvedAll;
  const cooldown = cooldownFor(context.cooldowns, firing);
  if (entry && firing.length > 0 && cooldown > 0 && time - entry.timestamp < cooldown) return undefined;
  const sent = receiver.sendResolved ? visible : firing;
  // The set-notifies stage: what the receiver now knows about the group.
  const logEntry = (timestamp: number): void => {
    notificationLog.set(logKey, { firing: [...firingSet], resolved: [...resolvedSet], timestamp });
  };
  if (sent.length === 0) {
    logEntry(time);
    return resolvedAll;
  }
  const payload = buildPayload({
    groupKey: group.key,
    receiver: group.route.receiver,
    groupLabels: group.labels,
    alerts: sent,
    externalURL: context.externalURL,
    maxAlerts: receiver.maxAlerts,
    time,
  });
  if (
    !(await deliverWithRetry(context, receiver, payload, { key: group.key, groupInterval: group.route.groupInterval }))
  )
    return undefined;
  logEntry(context.clock.now());
  return resolvedAll;
}
