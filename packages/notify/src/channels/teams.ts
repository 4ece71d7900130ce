import { options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel, RateLimit } from '../channel.js';
import { httpSettings, parseJson, post, replyError, urlOption, type HttpChannelOptions } from '../http.js';
import { titlePrefix, truncate } from '../format.js';
import type { NormalizedMessage } from '../message.js';

/**
 * Options of {@link teamsChannel}.
 *
 * @example
 * ```ts
 * teamsChannel({ webhookUrl: process.env.TEAMS_WORKFLOW_URL! });
 * ```
 */
export interface TeamsChannelOptions extends HttpChannelOptions {
  /** URL of a Teams Workflows "When a Teams webhook request is received" trigger. Secret (it carries a signature). */
  webhookUrl: string;
  /** Deliveries in flight at once; default 1. */
  concurrency?: number;
}

// Teams throttles webhooks at 4 requests/second (and lower per hour/day); stay at 1/s with a burst of 4.
const TEAMS_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 4 };
const COLOR = { info: 'default', warning: 'warning', error: 'attention', critical: 'attention' } as const;

/** The Workflows message: one Adaptive Card attachment (Workflows accept Adaptive Cards only). */
export function teamsPayload(message: NormalizedMessage): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: truncate(`${titlePrefix(message)}${message.subject}`, 400),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: message.status === 'resolved' ? 'good' : COLOR[message.severity],
    },
  ];
  if (message.text !== undefined && message.text.trim() !== '') {
    body.push({ type: 'TextBlock', text: truncate(message.text, 20_000), wrap: true });
  }
  body.push({
    type: 'FactSet',
    facts: [
      { title: 'Severity', value: message.severity },
      { title: 'Status', value: message.status },
    ],
  });
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (message.links && message.links.length > 0) {
    card.actions = message.links
      .slice(0, 6)
      .map((link) => ({ type: 'Action.OpenUrl', title: truncate(link.text ?? link.href, 80), url: link.href }));
  }
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/**
 * Microsoft Teams channel through a Workflows webhook, posting an Adaptive
 * Card. Classification: 200/202 delivered; 429 rate-limited (`Retry-After`);
 * 404/410 endpoint-gone (workflow deleted or disabled); other 4xx permanent;
 * 5xx and network errors retryable. Default rate limit 1/s, burst 4.
 *
 * @example
 * ```ts
 * import { createNotifier, teamsChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { teams: teamsChannel({ webhookUrl: process.env.TEAMS_WORKFLOW_URL! }) } });
 * ```
 */
export function teamsChannel(options: TeamsChannelOptions): NotificationChannel {
  check.object('teamsChannel', options);
  const url = urlOption('teamsChannel.webhookUrl', options.webhookUrl);
  const settings = httpSettings('teamsChannel', options);
  const concurrency = check.positiveInteger('teamsChannel.concurrency', options.concurrency, 1);
  return {
    kind: 'teams',
    addressesPeople: false,
    rateLimit: TEAMS_RATE_LIMIT,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const body = JSON.stringify(teamsPayload(delivery.message));
      const reply = await post('teams', settings, url, body, { 'content-type': 'application/json' }, signal);
      if (reply.status >= 200 && reply.status < 300) return {};
      const parsed = parseJson(reply.body) as { error?: { code?: unknown; message?: unknown } } | undefined;
      const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : undefined;
      const detail = typeof parsed?.error?.message === 'string' ? parsed.error.message : undefined;
      const base = { ...(code ? { providerCode: code } : {}), ...(detail ? { detail } : {}) };
      if (reply.status === 404) throw replyError('teams', reply, { ...base, classification: 'endpoint-gone' });
      throw replyError('teams', reply, base);
    },
  };
}
