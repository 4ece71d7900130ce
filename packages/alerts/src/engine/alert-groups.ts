import { ALERT_ZERO_TIME, type Alert, type AlertGroup } from '@telltale/core';
import type { ActiveAlert } from './alert-state.js';
import { fingerprint } from './fingerprint.js';

function common(records: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (records.length === 0) return {};
  const result: Record<string, string> = { ...records[0] };
  for (const record of records.slice(1)) {
    for (const [name, value] of Object.entries(result)) if (record[name] !== value) delete result[name];
  }
  return result;
}

/** The webhook `Alert` of one rule alert. */
export function toWebhookAlert(alert: ActiveAlert, generatorURL: string): Alert {
  const resolved = alert.state === 'inactive';
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: new Date(alert.firedAt ?? alert.activeAt).toISOString(),
    endsAt: resolved && alert.resolvedAt !== undefined ? new Date(alert.resolvedAt).toISOString() : ALERT_ZERO_TIME,
    generatorURL,
    fingerprint: fingerprint(alert.labels),
  };
}

/**
 * Builds the Alertmanager v4 group for one rule's alerts, grouped by
 * `alertname` (the routing issue replaces this with real routes).
 */
export function toAlertGroup(alertName: string, alerts: Alert[], receiver: string, externalURL: string): AlertGroup {
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(alertName)}}`,
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels: { alertname: alertName },
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations)),
    externalURL,
    alerts,
  };
}
