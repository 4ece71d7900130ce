import type { Alert, AlertGroup, LabelSet } from '@telltale/core';
import { MAX_MESSAGE_DATA_BYTES } from '../message.js';

/** Longest label or annotation value kept in a notification, in characters. */
export const MAX_ALERT_VALUE_LENGTH = 4096;
/** Most alerts copied into `data`, even when more would fit. */
const DATA_ALERTS = 50;
// Room for the counters filled in after sizing.
const DATA_SLACK_BYTES = 512;

/**
 * What was cut so one group fits one notification; the body says so, and
 * Alertmanager still has the full group.
 */
export interface AlertGroupTruncation {
  /** Label/annotation values (and long keys or URLs) shortened or left out. */
  values: number;
  /** Alerts left out of `data` (the text lists at most 20 anyway). */
  alerts: number;
}

function shorten(value: string, limit: number): string {
  let end = limit - 1;
  // Never split a surrogate pair.
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}

/**
 * A copy of `group` with every over-long value shortened (or, for URLs, left
 * out: a cut URL points somewhere else), and how many values that was. The
 * idempotency and correlation keys are computed from the original group.
 */
export function fitAlertGroup(group: AlertGroup): { group: AlertGroup; shortened: number } {
  let shortened = 0;
  const value = (text: string): string => {
    if (text.length <= MAX_ALERT_VALUE_LENGTH) return text;
    shortened++;
    return shorten(text, MAX_ALERT_VALUE_LENGTH);
  };
  const url = (text: string): string => {
    if (text.length <= MAX_ALERT_VALUE_LENGTH) return text;
    shortened++;
    return '';
  };
  const labels = (set: LabelSet): LabelSet => {
    const entries = Object.entries(set);
    if (
      entries.every(([name, text]) => name.length <= MAX_ALERT_VALUE_LENGTH && text.length <= MAX_ALERT_VALUE_LENGTH)
    ) {
      return set;
    }
    // Object.fromEntries defines own properties, so a `__proto__` name stays a plain label.
    return Object.fromEntries(entries.map(([name, text]) => [value(name), value(text)]));
  };
  const alert = (item: Alert): Alert => ({
    ...item,
    labels: labels(item.labels),
    annotations: labels(item.annotations),
    generatorURL: url(item.generatorURL),
    fingerprint: value(item.fingerprint),
  });
  const fitted: AlertGroup = {
    ...group,
    groupKey: value(group.groupKey),
    receiver: value(group.receiver),
    groupLabels: labels(group.groupLabels),
    commonLabels: labels(group.commonLabels),
    commonAnnotations: labels(group.commonAnnotations),
    externalURL: url(group.externalURL),
    alerts: group.alerts.map(alert),
  };
  return { group: fitted, shortened };
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * Structured details (webhook `data`, PagerDuty `custom_details`) of a group
 * from {@link fitAlertGroup}: the first alerts that fit the message `data`
 * limit (at most 50), the rest counted in `truncatedAlerts`, and `truncated`
 * saying what was cut when anything was.
 */
export function fitAlertGroupData(
  group: AlertGroup,
  shortened: number,
): { data: Record<string, unknown>; truncation: AlertGroupTruncation } {
  const budget = MAX_MESSAGE_DATA_BYTES - DATA_SLACK_BYTES;
  const head: Record<string, unknown> = {
    receiver: group.receiver,
    status: group.status,
    groupKey: group.groupKey,
    groupLabels: group.groupLabels,
    commonLabels: group.commonLabels,
    commonAnnotations: group.commonAnnotations,
    externalURL: group.externalURL,
  };
  let values = shortened;
  // Thousands of labels can outgrow the budget on their own: drop whole sets, least useful first.
  for (const name of ['commonAnnotations', 'commonLabels', 'groupLabels'] as const) {
    if (bytes(head) <= budget) break;
    values += Object.keys(group[name]).length;
    head[name] = {};
  }
  let used = bytes(head) + bytes({ alerts: [] });
  const alerts: Alert[] = [];
  for (const alert of group.alerts.slice(0, DATA_ALERTS)) {
    used += bytes(alert) + 1;
    if (used > budget) break;
    alerts.push(alert);
  }
  const truncation = { values, alerts: group.alerts.length - alerts.length };
  const data: Record<string, unknown> = {
    ...head,
    truncatedAlerts: group.truncatedAlerts + truncation.alerts,
    alerts,
  };
  if (truncation.values > 0 || truncation.alerts > 0) data.truncated = truncation;
  return { data, truncation };
}

/** The line the text body ends with when something was cut; `undefined` when nothing was. */
export function truncationNote(truncation: AlertGroupTruncation): string | undefined {
  const parts: string[] = [];
  if (truncation.values > 0) {
    parts.push(
      truncation.values === 1
        ? `1 long value was shortened to ${MAX_ALERT_VALUE_LENGTH} characters`
        : `${truncation.values} long values were shortened to ${MAX_ALERT_VALUE_LENGTH} characters`,
    );
  }
  if (truncation.alerts > 0) {
    parts.push(
      truncation.alerts === 1
        ? '1 alert was left out of the details'
        : `${truncation.alerts} alerts were left out of the details`,
    );
  }
  return parts.length === 0
    ? undefined
    : `Truncated to fit one notification: ${parts.join(', ')}; see Alertmanager for the full group.`;
}
