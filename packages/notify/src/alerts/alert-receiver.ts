import { createHash } from 'node:crypto';
import { options as check, parseAlertGroup, TelltaleConfigError, TelltaleError, type AlertGroup } from '@telltale/core';
import type { Recipient } from '../message.js';
import type { Notifier, SendReceipt } from '../notifier-types.js';
import { fitAlertGroup, fitAlertGroupData } from './alert-fit.js';
import { alertGroupLinks, alertGroupSeverity, defaultAlertSubject, defaultAlertText } from './alert-format.js';

/**
 * Overrides of the default alert texts; each gets the validated group.
 *
 * @example
 * ```ts
 * const templates: AlertTemplates = { subject: (group) => `${group.status}: ${group.groupLabels.alertname}` };
 * ```
 */
export interface AlertTemplates {
  subject?: (group: AlertGroup) => string;
  text?: (group: AlertGroup) => string;
  html?: (group: AlertGroup) => string;
}

/**
 * Options of {@link alertReceiver}.
 *
 * @example
 * ```ts
 * const options: AlertReceiverOptions = {
 *   channels: ['email', 'pager'],
 *   route: (group) => (group.commonLabels.severity === 'critical' ? ['pager', 'email'] : ['email']),
 *   to: ['oncall@example.com'],
 *   recipients: (group) => (group.commonLabels.team === 'db' ? ['dba-oncall'] : []),
 * };
 * ```
 */
export interface AlertReceiverOptions {
  /** Channels for every group; default all of the notifier's channels (none when `recipients` are given). */
  channels?: readonly string[];
  /** Picks channels per group; returning `undefined` falls back to `channels`. */
  route?: (group: AlertGroup) => readonly string[] | undefined;
  /** Text overrides; defaults follow Alertmanager's default templates. */
  templates?: AlertTemplates;
  /** Addresses (the message's `to`) for channels that address people (email), fixed or per group. */
  to?: readonly Recipient[] | ((group: AlertGroup) => readonly Recipient[]);
  /**
   * Ids of the notifier's `recipients`, fixed or per group: each gets the
   * alert on their preferred channels, subject to their `minSeverity` and
   * quiet hours (`send(..., { recipients })`). Without `channels` or
   * `route`, the group then goes to these recipients only; an empty list
   * counts as none.
   */
  recipients?: readonly string[] | ((group: AlertGroup) => readonly string[]);
}

/**
 * Turns alert groups into notifications. See {@link alertReceiver}.
 *
 * @example
 * ```ts
 * const receipt = await receiver.receive(group);
 * ```
 */
export interface AlertReceiver {
  /**
   * Validates `group` (an `AlertGroup` or untrusted JSON; throws
   * `TELLTALE_INVALID_INPUT` naming the path, also for a group with no
   * alerts) and sends one notification for it.
   */
  receive(group: unknown, options?: { signal?: AbortSignal }): Promise<SendReceipt>;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Idempotency key of a group notification: the same group, status and alerts
 * (fingerprints and start times) give the same key, so Alertmanager's re-sends
 * and retries are deduplicated while a new alert or a resolve is not.
 *
 * @example
 * ```ts
 * import { alertGroupIdempotencyKey } from '@telltale/notify';
 * alertGroupIdempotencyKey(group); // 'am-3f1c…' (40 hex)
 * ```
 */
export function alertGroupIdempotencyKey(group: AlertGroup): string {
  const alerts = group.alerts
    .map((alert) => `${alert.fingerprint || JSON.stringify(alert.labels)}@${alert.startsAt}:${alert.status}`)
    .sort();
  return `am-${sha256(JSON.stringify([group.groupKey, group.status, alerts])).slice(0, 40)}`;
}

/** Ties a group's trigger and resolve together (PagerDuty `dedup_key`).
 *
 * @example
 * ```ts
 * import { alertGroupCorrelationKey } from '@telltale/notify';
 * alertGroupCorrelationKey(group); // 'am-group-…', same for firing and resolved
 * ```
 */
export function alertGroupCorrelationKey(group: AlertGroup): string {
  return `am-group-${sha256(`${group.receiver}\n${group.groupKey}`).slice(0, 40)}`;
}

/**
 * Turns alert groups (the Alertmanager webhook v4 shape, `AlertGroup` from
 * `@telltale/core`) into firing and resolved notifications: subject like
 * Alertmanager's default (`[FIRING:2] HighErrorRate (api critical)`), a text
 * body with each alert's labels, summary, description and links, severity
 * from the `severity` labels, `status` (a PagerDuty resolve on `resolved`),
 * the group as `data`, and an idempotency key derived from the group key,
 * status and alerts so a re-sent group is not delivered twice. A group too
 * large for one message is truncated, never refused: values over 4096
 * characters are shortened, `data` keeps the alerts that fit, and the default
 * text says so. `route`, `to`, `recipients` and `templates` get the truncated group.
 *
 * @example
 * ```ts
 * import { alertReceiver, createNotifier, smtpChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { email: smtpChannel({ host: 'smtp.example.com', from: 'alerts@example.com' }) } });
 * const receiver = alertReceiver(notifier, { to: ['oncall@example.com'] });
 * await receiver.receive(alertGroupFromTelltaleAlerts);
 * ```
 */
export function alertReceiver(notifier: Notifier, options: AlertReceiverOptions = {}): AlertReceiver {
  if (typeof notifier !== 'object' || notifier === null || typeof notifier.send !== 'function') {
    throw new TelltaleConfigError({ option: 'notifier', value: notifier, expected: 'a Notifier (createNotifier())' });
  }
  check.object('alertReceiver', options);
  const { channels, route, templates = {}, to: addresses, recipients } = options;
  if (channels !== undefined && (!Array.isArray(channels) || channels.some((name) => typeof name !== 'string'))) {
    throw new TelltaleConfigError({ option: 'channels', value: channels, expected: 'an array of channel names' });
  }
  check.optionalFunction('route', route);
  check.object('templates', templates);
  for (const name of ['subject', 'text', 'html'] as const) check.optionalFunction(`templates.${name}`, templates[name]);
  if (addresses !== undefined && typeof addresses !== 'function' && !Array.isArray(addresses)) {
    throw new TelltaleConfigError({
      option: 'to',
      value: addresses,
      expected: 'an array of addresses or a function of the group',
    });
  }
  if (
    recipients !== undefined &&
    typeof recipients !== 'function' &&
    (!Array.isArray(recipients) || recipients.some((id) => typeof id !== 'string'))
  ) {
    throw new TelltaleConfigError({
      option: 'recipients',
      value: recipients,
      expected: "an array of ids from the notifier's `recipients` or a function of the group",
    });
  }

  return {
    async receive(input, receiveOptions = {}) {
      const original = parseAlertGroup(input);
      if (original.alerts.length === 0) {
        // Alertmanager never sends one; a `[FIRING:0]` page would only confuse on-call.
        throw new TelltaleError('TELLTALE_INVALID_INPUT', 'Invalid alert group: alerts must hold at least one alert', {
          details: { path: 'alerts', expected: 'at least one alert' },
        });
      }
      // Over-long values are cut so a large valid group still pages instead of being refused.
      const { group, shortened } = fitAlertGroup(original);
      const { data, truncation } = fitAlertGroupData(group, shortened);
      const targets = route?.(group) ?? channels;
      const to = typeof addresses === 'function' ? addresses(group) : addresses;
      const people = typeof recipients === 'function' ? recipients(group) : recipients;
      const html = templates.html?.(group);
      return notifier.send(
        {
          subject: (templates.subject ?? defaultAlertSubject)(group),
          text: templates.text === undefined ? defaultAlertText(group, truncation) : templates.text(group),
          ...(html === undefined ? {} : { html }),
          ...(to === undefined ? {} : { to }),
          severity: alertGroupSeverity(group),
          status: group.status,
          correlationKey: alertGroupCorrelationKey(original),
          data,
          links: alertGroupLinks(group),
        },
        {
          idempotencyKey: alertGroupIdempotencyKey(original),
          ...(targets === undefined ? {} : { channels: targets }),
          // An empty list counts as none, so the group still goes somewhere (never dropped).
          ...(people === undefined || people.length === 0 ? {} : { recipients: people }),
          ...(receiveOptions.signal === undefined ? {} : { signal: receiveOptions.signal }),
        },
      );
    },
  };
}
