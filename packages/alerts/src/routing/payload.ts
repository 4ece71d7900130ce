import { ALERT_ZERO_TIME, type Alert, type AlertGroup } from '@telltale/core';
import type { Labels } from '../store/labels.js';

/** An alert as the router stores it. */
export interface RoutedAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  annotations: Record<string, string>;
  startsAt: number;
  /** When it resolved; `undefined` while firing. */
  endsAt: number | undefined;
  generatorURL: string;
  /** Bumped on every change, so a flush deletes only resolved alerts that did not change meanwhile. */
  version: number;
}

/** Resolved at `time` when `endsAt` has passed, as Alertmanager's `Alert.Resolved()`. */
export const isResolved = (alert: RoutedAlert, time: number): boolean =>
  alert.endsAt !== undefined && alert.endsAt <= time;

function before(a: Labels, b: Labels): number {
  const aNames = Object.keys(a).sort();
  const bNames = Object.keys(b).sort();
  if (aNames.length !== bNames.length) return aNames.length - bNames.length;
  for (let index = 0; index < aNames.length; index++) {
    const [aName, bName] = [aNames[index]!, bNames[index]!];
    if (aName !== bName) return aName < bName ? -1 : 1;
    const [aValue, bValue] = [a[aName]!, b[bName]!];
    if (aValue !== bValue) return aValue < bValue ? -1 : 1;
  }
  return 0;
}

/** Alertmanager's `AlertSlice` order: by `job`, then `instance`, then label set. */
export function compareAlerts(a: RoutedAlert, b: RoutedAlert): number {
  for (const name of ['job', 'instance']) {
    const [aValue, bValue] = [a.labels[name], b.labels[name]];
    if (aValue === undefined && bValue === undefined) continue;
    if (aValue === undefined) return 1;
    if (bValue === undefined) return -1;
    if (aValue !== bValue) return aValue < bValue ? -1 : 1;
  }
  return before(a.labels, b.labels);
}

function common(records: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (records.length === 0) return {};
  const result: Record<string, string> = { ...records[0] };
  for (const record of records.slice(1)) {
    for (const [name, value] of Object.entries(result)) if (record[name] !== value) delete result[name];
  }
  return result;
}

const iso = (time: number): string => new Date(time).toISOString();

/** The webhook alert Alertmanager sends. */
export function toPayloadAlert(alert: RoutedAlert, time: number): Alert {
  const resolved = isResolved(alert, time);
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: iso(alert.startsAt),
    endsAt: resolved ? iso(alert.endsAt!) : ALERT_ZERO_TIME,
    generatorURL: alert.generatorURL,
    fingerprint: alert.fingerprint,
  };
}

/** Builds the webhook v4 body as Alertmanager's webhook notifier does (`max_alerts` truncation included). */
export function buildPayload(options: {
  readonly groupKey: string;
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly alerts: readonly RoutedAlert[];
  readonly externalURL: string;
  readonly maxAlerts: number;
  readonly time: number;
}): AlertGroup {
  const { alerts, maxAlerts, time } = options;
  const kept = maxAlerts > 0 && alerts.length > maxAlerts ? alerts.slice(0, maxAlerts) : alerts;
  const payloadAlerts = kept.map((alert) => toPayloadAlert(alert, time));
  return {
    version: '4',
    groupKey: options.groupKey,
    truncatedAlerts: alerts.length - kept.length,
    status: payloadAlerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: options.receiver,
    groupLabels: { ...options.groupLabels },
    commonLabels: common(payloadAlerts.map((alert) => alert.labels)),
    commonAnnotations: common(payloadAlerts.map((alert) => alert.annotations)),
    externalURL: options.externalURL,
    alerts: payloadAlerts,
  };
}
