import { options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel, RateLimit } from '../channel.js';
import { httpSettings, post, replyError, urlOption, type HttpChannelOptions } from '../http.js';
import { plainBody, titlePrefix, truncate } from '../format.js';
import type { NormalizedMessage } from '../message.js';

/**
 * Options of {@link slackChannel}.
 *
 * @example
 * ```ts
 * slackChannel({ webhookUrl: process.env.SLACK_WEBHOOK_URL!, timeout: '5s' });
 * ```
 */
export interface SlackChannelOptions extends HttpChannelOptions {
  /** Incoming-webhook URL (`https://hooks.slack.com/services/...`). Secret: never logged. */
  webhookUrl: string;
  /** Deliveries in flight at once; default 1 (keeps order). */
  concurrency?: number;
}

/** Slack documents about one message per second per incoming webhook, with short bursts. */
const SLACK_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 1 };
const GONE_CODES = new Set([
  'no_service',
  'no_service_id',
  'channel_not_found',
  'channel_is_archived',
  'invalid_token',
  'team_disabled',
  'no_team',
]);
const SEVERITY_EMOJI = {
  info: ':information_source:',
  warning: ':warning:',
  error: ':x:',
  critical: ':rotating_light:',
};

/** Slack `mrkdwn` control characters must be escaped as HTML entities. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Block Kit payload with a `text` fallback for notifications and old clients. */
export function slackPayload(message: NormalizedMessage): Record<string, unknown> {
  const title = `${titlePrefix(message)}${message.subject}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } },
  ];
  if (message.text !== undefined && message.text.trim() !== '') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(message.text), 3000) } });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${SEVERITY_EMOJI[message.severity]} severity: *${message.severity}*${message.status === 'resolved' ? ' · resolved' : ''}`,
      },
    ],
  });
  if (message.links && message.links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: message.links.slice(0, 25).map((link) => ({
        type: 'button',
        text: { type: 'plain_text', text: truncate(link.text ?? link.href, 75) },
        url: link.href,
      })),
    });
  }
  return {
    text: truncate(`${title}\n${plainBody(message) === message.subject ? '' : plainBody(message)}`.trim(), 3000),
    blocks,
  };
}

/**
 * Slack incoming-webhook channel: a Block Kit message with a text fallback.
 * Classification: 200 `ok` delivered; 429 rate-limited for `Retry-After`;
 * 404 `no_service`/`channel_not_found`, 403 `invalid_token`, 410
 * `channel_is_archived` endpoint-gone; other 4xx (`invalid_payload`,
 * `action_prohibited`, ...) permanent; 5xx (`rollup_error`) and network errors retryable.
 * Default rate limit 1 message/s (Slack's documented webhook limit).
 *
 * @example
 * ```ts
 * import { createNotifier, slackChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { ops: slackChannel({ webhookUrl: process.env.SLACK_WEBHOOK_URL! }) } });
 * await notifier.send({ subject: 'Deploy finished', severity: 'info' });
 * ```
 */
export function slackChannel(options: SlackChannelOptions): NotificationChannel {
  check.object('slackChannel', options);
  const url = urlOption('slackChannel.webhookUrl', options.webhookUrl);
  const settings = httpSettings('slackChannel', options);
  const concurrency = check.positiveInteger('slackChannel.concurrency', options.concurrency, 1);
  return {
    kind: 'slack',
    addressesPeople: false,
    rateLimit: SLACK_RATE_LIMIT,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const body = JSON.stringify(slackPayload(delivery.message));
      const reply = await post('slack', settings, url, body, { 'content-type': 'application/json' }, signal);
      if (reply.status >= 200 && reply.status < 300) return {};
      const providerCode = /^[a-z_]{2,64}$/.test(reply.body.trim()) ? reply.body.trim() : undefined;
      if (reply.status === 429) throw replyError('slack', reply, { providerCode: providerCode ?? 'rate_limited' });
      if (reply.status === 410 || (providerCode !== undefined && GONE_CODES.has(providerCode))) {
        throw replyError('slack', reply, {
          classification: 'endpoint-gone',
          ...(providerCode ? { providerCode } : {}),
        });
      }
      throw replyError('slack', reply, providerCode ? { providerCode } : {});
    },
  };
}
