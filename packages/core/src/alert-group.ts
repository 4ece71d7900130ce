import { TelltaleError } from './errors.js';

/** Label or annotation set: string keys to string values. */
export type LabelSet = Record<string, string>;

/** `firing` or `resolved`, as Alertmanager reports them. */
export type AlertStatus = 'firing' | 'resolved';

/** One alert inside an {@link AlertGroup} (Alertmanager webhook v4). */
export interface Alert {
  status: AlertStatus;
  labels: LabelSet;
  annotations: LabelSet;
  /** RFC 3339 time the alert started firing. */
  startsAt: string;
  /** RFC 3339 time it resolved; `0001-01-01T00:00:00Z` while firing. */
  endsAt: string;
  /** Link to the expression or rule that produced the alert. */
  generatorURL: string;
  /** Stable identity of the label set. */
  fingerprint: string;
}

/**
 * The alert group payload: exactly the Alertmanager webhook v4 body. It is
 * what `@telltale/alerts` emits and `@telltale/notify` consumes, so the
 * embedded and the Alertmanager paths share one format.
 *
 * @example
 * ```ts
 * import type { AlertGroup } from '@telltale/core';
 * const group: AlertGroup = {
 *   version: '4', groupKey: '{}:{alertname="HighErrorRate"}', truncatedAlerts: 0,
 *   status: 'firing', receiver: 'ops', groupLabels: { alertname: 'HighErrorRate' },
 *   commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
 *   commonAnnotations: {}, externalURL: 'http://localhost:3000',
 *   alerts: [],
 * };
 * ```
 */
export interface AlertGroup {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: LabelSet;
  commonLabels: LabelSet;
  commonAnnotations: LabelSet;
  externalURL: string;
  alerts: Alert[];
}

/** The `endsAt` Alertmanager sends for alerts that have not resolved. */
export const ALERT_ZERO_TIME = '0001-01-01T00:00:00Z';

function fail(path: string, expected: string): never {
  throw new TelltaleError('TELLTALE_INVALID_INPUT', `Invalid alert group: ${path} must be ${expected}`, {
    details: { path, expected },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function labelSet(value: unknown, path: string, required: boolean): LabelSet {
  if (value === undefined || value === null) {
    if (required) fail(path, 'an object of string values');
    return {};
  }
  if (!isRecord(value)) fail(path, 'an object of string values');
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(`${path}.${key}`, 'a string');
  }
  return { ...(value as LabelSet) };
}

function text(value: unknown, path: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string') fail(path, 'a string');
  return value;
}

function status(value: unknown, path: string): AlertStatus {
  if (value !== 'firing' && value !== 'resolved') fail(path, '"firing" or "resolved"');
  return value;
}

function time(value: unknown, path: string): string {
  const result = text(value, path, ALERT_ZERO_TIME);
  if (result !== ALERT_ZERO_TIME && Number.isNaN(Date.parse(result))) fail(path, 'an RFC 3339 time');
  return result;
}

/**
 * Validates an untrusted value (e.g. an Alertmanager webhook body) and
 * returns it as an {@link AlertGroup}. Optional fields Alertmanager may omit
 * get their documented defaults; anything malformed throws a
 * `TELLTALE_INVALID_INPUT` error naming the path (`alerts[2].labels.severity`).
 *
 * @example
 * ```ts
 * import { parseAlertGroup } from '@telltale/core';
 * const group = parseAlertGroup(JSON.parse(body));
 * for (const alert of group.alerts) console.log(alert.labels.alertname, alert.status);
 * ```
 */
export function parseAlertGroup(value: unknown): AlertGroup {
  if (!isRecord(value)) fail('body', 'a JSON object');
  if (value.version !== '4') fail('version', '"4"');
  if (!Array.isArray(value.alerts)) fail('alerts', 'an array');
  const truncated = value.truncatedAlerts ?? 0;
  if (typeof truncated !== 'number' || !Number.isInteger(truncated) || truncated < 0) {
    fail('truncatedAlerts', 'an integer >= 0');
  }
  const alerts = value.alerts.map((item: unknown, index): Alert => {
    const path = `alerts[${index}]`;
    if (!isRecord(item)) fail(path, 'an object');
    return {
      status: status(item.status, `${path}.status`),
      labels: labelSet(item.labels, `${path}.labels`, true),
      annotations: labelSet(item.annotations, `${path}.annotations`, false),
      startsAt: time(item.startsAt, `${path}.startsAt`),
      endsAt: time(item.endsAt, `${path}.endsAt`),
      generatorURL: text(item.generatorURL, `${path}.generatorURL`, ''),
      fingerprint: text(item.fingerprint, `${path}.fingerprint`, ''),
    };
  });
  return {
    version: '4',
    groupKey: text(value.groupKey, 'groupKey'),
    truncatedAlerts: truncated,
    status: status(value.status, 'status'),
    receiver: text(value.receiver, 'receiver'),
    groupLabels: labelSet(value.groupLabels, 'groupLabels', false),
    commonLabels: labelSet(value.commonLabels, 'commonLabels', false),
    commonAnnotations: labelSet(value.commonAnnotations, 'commonAnnotations', false),
    externalURL: text(value.externalURL, 'externalURL', ''),
    alerts,
  };
}
