import { TelltaleError } from '@telltale/core';
import { SEVERITIES, type NormalizedMessage, type NotificationMessage, type TemplatedMessage } from '../message.js';
import type { PlannedDelivery, SendOptions } from '../notifier-types.js';
import { routeMessage } from '../routes.js';
import type { OutboxRecord } from '../store.js';
import { NotifyTemplateError, type RenderedTemplate } from '../templates/registry.js';
import { deliveryKey } from './dead-letters.js';
import { personalize, recipientOf } from './recipient-delivery.js';
import type { NotifierConfig } from './state.js';

/** Renders a template of the notifier's registry; throws `NotifyTemplateError` without one. */
export function preview(
  config: NotifierConfig,
  templateName: string,
  vars: Readonly<Record<string, unknown>> = {},
): RenderedTemplate {
  if (!config.settings.templates) {
    throw new NotifyTemplateError(templateName, 'unknown-template', 'the notifier has no `templates` registry');
  }
  return config.settings.templates.render(templateName, vars);
}

/** Renders `{ template, vars }` into subject/text/html; explicit fields win. */
export function expand(config: NotifierConfig, message: NotificationMessage | TemplatedMessage): NotificationMessage {
  if (typeof message !== 'object' || message === null || !('template' in message) || message.template === undefined)
    return message as NotificationMessage;
  const { template, vars, ...rest } = message;
  const rendered = preview(config, template, vars);
  return {
    ...rest,
    subject: rest.subject ?? rendered.subject,
    text: rest.text ?? rendered.text,
    ...(rest.html === undefined && rendered.html === undefined ? {} : { html: rest.html ?? rendered.html }),
  };
}

/** The channels and recipients a send goes to: its options', else the first matching route's, else every channel. */
export function chooseTargets(
  config: NotifierConfig,
  message: NotificationMessage,
  sendOptions: SendOptions,
): { targets: readonly string[]; recipientIds: readonly string[] } {
  for (const option of ['channels', 'recipients'] as const) {
    const list: unknown = sendOptions[option];
    if (list !== undefined && !Array.isArray(list))
      throw new TelltaleError('TELLTALE_INVALID_INPUT', `send(): ${option} must be an array of names`);
  }
  let targets: readonly string[];
  let recipientIds: readonly string[];
  if (sendOptions.channels !== undefined || sendOptions.recipients !== undefined) {
    targets = [...new Set(sendOptions.channels ?? [])];
    recipientIds = [...new Set(sendOptions.recipients ?? [])];
  } else {
    const route = config.routes === undefined ? undefined : routeMessage(config.routes, message);
    targets = route === undefined ? config.channelNames : [...new Set(route.channels ?? [])];
    recipientIds = route?.recipients === undefined ? [] : [...new Set(route.recipients)];
  }
  if (targets.length === 0 && recipientIds.length === 0)
    throw new TelltaleError('TELLTALE_INVALID_INPUT', 'send(): channels or recipients must name at least one target');
  checkTargets(config, targets, recipientIds);
  return { targets, recipientIds };
}

/** Checks names given to `send` (or a route) against the notifier's channels and recipients. */
function checkTargets(config: NotifierConfig, channels: readonly string[], recipientIds: readonly string[]): void {
  for (const name of channels) {
    if (!config.lanes.has(name)) {
      throw new TelltaleError('TELLTALE_NOTIFY_UNKNOWN_CHANNEL', `send(): unknown channel "${String(name)}"`, {
        details: { channel: String(name), channels: config.channelNames },
      });
    }
  }
  for (const id of recipientIds) {
    if (!config.recipients.has(id)) {
      const hint = typeof id === 'string' && id.includes('@') ? " (addresses go in the message's `to`)" : '';
      throw new TelltaleError('TELLTALE_NOTIFY_UNKNOWN_RECIPIENT', `send(): unknown recipient "${String(id)}"${hint}`, {
        details: { recipient: String(id), recipients: [...config.recipients.keys()] },
      });
    }
  }
}

/** One record per broadcast channel, then one per (recipient, preferred channel); skips noted in `skipped`. */
export function plan(
  config: NotifierConfig,
  normalized: NormalizedMessage,
  targets: readonly string[],
  recipientIds: readonly string[],
  messageId: string,
  idempotencyKey: string,
  now: number,
): { records: OutboxRecord[]; skipped: PlannedDelivery[] } {
  // Literal records (no spreads), so every record has the same shape on the hot path.
  const makeRecord = (id: string, channel: string, message: NormalizedMessage): OutboxRecord => ({
    id,
    messageId,
    channel,
    idempotencyKey,
    message,
    state: 'pending',
    attempts: 0,
    enqueuedAt: now,
    nextAttemptAt: now,
  });
  const records = targets.map((channel) => makeRecord(`${messageId}:${channel}`, channel, normalized));
  const skipped: PlannedDelivery[] = [];
  const severity = SEVERITIES.indexOf(normalized.severity);
  for (const id of recipientIds) {
    const person = config.recipients.get(id)!;
    for (const channel of person.channels) {
      const record = makeRecord(
        `${messageId}:${id}:${channel}`,
        channel,
        personalize(normalized, config.lanes.get(channel)!, person),
      );
      record.recipient = recipientOf(person, channel);
      if (severity < person.minSeverity) {
        skipped.push({
          id: record.id,
          channel,
          recipient: id,
          idempotencyKey: deliveryKey(record),
          status: 'skipped',
          reason: 'below-min-severity',
        });
      } else records.push(record);
    }
  }
  return { records, skipped };
}
