import type { Alert, AlertGroup, LabelSet } from '@telltale/core';
import type { MessageLink, Severity } from '../message.js';
import { truncationNote, type AlertGroupTruncation } from './alert-fit.js';

/** Most alerts listed in a default body; the rest are counted. */
const LISTED_ALERTS = 20;
const MAX_SUBJECT = 250;

/** Label values end up in a one-line subject: control characters become spaces. */
function oneLine(value: string): string {
  let result = '';
  for (const character of value) {
    const code = character.charCodeAt(0);
    result += code < 32 || code === 127 ? ' ' : character;
  }
  return result;
}

function sortedValues(labels: LabelSet, skip: ReadonlySet<string> = new Set()): string[] {
  return Object.keys(labels)
    .filter((name) => !skip.has(name))
    .sort()
    .map((name) => labels[name]!);
}

/**
 * Alertmanager's default email subject: `[FIRING:2] HighErrorRate (api critical)` —
 * the group labels' values, then the other common labels' values in brackets.
 *
 * @example
 * ```ts
 * import { defaultAlertSubject } from '@telltale/notify';
 * defaultAlertSubject(group); // '[FIRING:2] HighErrorRate (api)'
 * ```
 */
export function defaultAlertSubject(group: AlertGroup): string {
  const firing = group.alerts.filter((alert) => alert.status === 'firing').length;
  const status = group.status === 'firing' ? `FIRING:${firing}` : 'RESOLVED';
  const names = sortedValues(group.groupLabels);
  const extra = sortedValues(group.commonLabels, new Set(Object.keys(group.groupLabels)));
  const title = names.length > 0 ? names.join(' ') : group.receiver;
  const subject = oneLine(`[${status}] ${title}${extra.length > 0 ? ` (${extra.join(' ')})` : ''}`).trim();
  return subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject;
}

function labelLine(labels: LabelSet): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(' ');
}

function alertBlock(alert: Alert): string[] {
  const lines = [`- ${labelLine(alert.labels)}`];
  const { summary, description, runbook_url: runbook } = alert.annotations;
  if (summary) lines.push(`  Summary: ${summary}`);
  if (description) lines.push(`  Description: ${description}`);
  lines.push(`  Started: ${alert.startsAt}`);
  if (alert.status === 'resolved') lines.push(`  Ended: ${alert.endsAt}`);
  if (runbook) lines.push(`  Runbook: ${runbook}`);
  if (alert.generatorURL) lines.push(`  Source: ${alert.generatorURL}`);
  return lines;
}

/**
 * Plain-text body: each alert's labels, summary, description, times and links, firing first.
 * With `truncation` (what the receiver cut so the group fits one notification) a
 * closing line says so.
 *
 * @example
 * ```ts
 * import { defaultAlertText } from '@telltale/notify';
 * const text = defaultAlertText(group); // labels, summary, description, times, links
 * ```
 */
export function defaultAlertText(group: AlertGroup, truncation?: AlertGroupTruncation): string {
  const lines = [defaultAlertSubject(group), ''];
  for (const status of ['firing', 'resolved'] as const) {
    const alerts = group.alerts.filter((alert) => alert.status === status);
    if (alerts.length === 0) continue;
    lines.push(`${status === 'firing' ? 'Firing' : 'Resolved'} (${alerts.length}):`);
    for (const alert of alerts.slice(0, LISTED_ALERTS)) lines.push(...alertBlock(alert));
    if (alerts.length > LISTED_ALERTS) lines.push(`- … and ${alerts.length - LISTED_ALERTS} more`);
    lines.push('');
  }
  if (group.truncatedAlerts > 0) lines.push(`${group.truncatedAlerts} more alerts were truncated by Alertmanager.`);
  const note = truncation === undefined ? undefined : truncationNote(truncation);
  if (note !== undefined) lines.push(note);
  if (group.externalURL) lines.push(`Alertmanager: ${group.externalURL}`);
  return lines.join('\n').trimEnd() + '\n';
}

// A Map, not an object literal: label values such as `constructor` or `__proto__` must not
// resolve to Object.prototype members.
const SEVERITY_ALIASES: ReadonlyMap<string, Severity> = new Map([
  ['critical', 'critical'],
  ['page', 'critical'],
  ['fatal', 'critical'],
  ['emergency', 'critical'],
  ['error', 'error'],
  ['high', 'error'],
  ['major', 'error'],
  ['warning', 'warning'],
  ['warn', 'warning'],
  ['medium', 'warning'],
  ['minor', 'warning'],
  ['info', 'info'],
  ['informational', 'info'],
  ['low', 'info'],
  ['none', 'info'],
]);
const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2, critical: 3 };

/**
 * Maps a `severity` label value (`critical`, `page`, `warning`, `low`, ...) to a {@link Severity}.
 *
 * @example
 * ```ts
 * import { severityFromLabel } from '@telltale/notify';
 * severityFromLabel('page'); // 'critical'
 * ```
 */
export function severityFromLabel(value: string | undefined): Severity | undefined {
  return typeof value === 'string' ? SEVERITY_ALIASES.get(value.trim().toLowerCase()) : undefined;
}

/**
 * The highest severity among the group's alerts (`severity` label); `warning` when none says.
 *
 * @example
 * ```ts
 * import { alertGroupSeverity } from '@telltale/notify';
 * alertGroupSeverity(group); // 'critical' when any alert has severity=critical
 * ```
 */
export function alertGroupSeverity(group: AlertGroup): Severity {
  let best: Severity | undefined = severityFromLabel(group.commonLabels.severity);
  for (const alert of group.alerts) {
    const severity = severityFromLabel(alert.labels.severity);
    if (severity !== undefined && (best === undefined || RANK[severity] > RANK[best])) best = severity;
  }
  return best ?? 'warning';
}

function httpUrl(value: string | undefined): string | undefined {
  if (!value || !/^https?:\/\//i.test(value) || !URL.canParse(value)) return undefined;
  return value;
}

/**
 * Links: Alertmanager's external URL, each distinct source (`generatorURL`) and runbook, at most 10.
 *
 * @example
 * ```ts
 * import { alertGroupLinks } from '@telltale/notify';
 * alertGroupLinks(group); // [{ href: 'http://alertmanager:9093', text: 'Alertmanager' }, ...]
 * ```
 */
export function alertGroupLinks(group: AlertGroup): MessageLink[] {
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  const add = (href: string | undefined, text: string): void => {
    const url = httpUrl(href);
    if (url === undefined || seen.has(url) || links.length >= 10) return;
    seen.add(url);
    links.push({ href: url, text });
  };
  add(group.externalURL, 'Alertmanager');
  for (const alert of group.alerts) add(alert.annotations.runbook_url, 'Runbook');
  for (const alert of group.alerts) add(alert.generatorURL, 'Source');
  return links;
}
