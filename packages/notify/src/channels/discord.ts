import { options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel, RateLimit } from '../channel.js';
import { httpSettings, parseJson, post, replyError, urlOption, type HttpChannelOptions } from '../http.js';
import { titlePrefix, truncate } from '../format.js';
import type { NormalizedMessage } from '../message.js';

/**
 * Options of {@link discordChannel}.
 *
 * @example
 * ```ts
 * discordChannel({ webhookUrl: process.env.DISCORD_WEBHOOK_URL!, username: 'Telltale' });
 * ```
 */
export interface DiscordChannelOptions extends HttpChannelOptions {
  /** Webhook URL (`https://discord.com/api/webhooks/{id}/{token}`). Secret: never logged. */
  webhookUrl: string;
  /** Display name override. */
  username?: string;
  /** Deliveries in flight at once; default 1. */
  concurrency?: number;
}

// Webhooks are limited per channel to about 30 messages a minute, in bursts of 5.
const DISCORD_RATE_LIMIT: RateLimit = { perSecond: 0.5, burst: 5 };
const COLOR = { info: 0x3498db, warning: 0xf1c40f, error: 0xe74c3c, critical: 0x992d22 } as const;
// 10015 Unknown Webhook, 50027 Invalid Webhook Token.
const GONE_CODES = new Set([10015, 50027]);

/** Webhook payload: a short `content` line plus one embed; mentions are disabled so text cannot ping @everyone. */
export function discordPayload(message: NormalizedMessage, username?: string): Record<string, unknown> {
  const title = `${titlePrefix(message)}${message.subject}`;
  const embed: Record<string, unknown> = {
    title: truncate(title, 256),
    color: message.status === 'resolved' ? 0x2ecc71 : COLOR[message.severity],
    fields: [{ name: 'Severity', value: message.severity, inline: true }],
  };
  if (message.text !== undefined && message.text.trim() !== '') embed.description = truncate(message.text, 4096);
  if (message.links && message.links.length > 0) {
    embed.url = message.links[0]!.href;
    embed.fields = [
      ...(embed.fields as unknown[]),
      ...message.links
        .slice(0, 10)
        .map((link) => ({ name: truncate(link.text ?? 'Link', 256), value: truncate(link.href, 1024) })),
    ];
  }
  return {
    content: truncate(title, 2000),
    embeds: [embed],
    allowed_mentions: { parse: [] },
    ...(username === undefined ? {} : { username }),
  };
}

/**
 * Discord webhook channel (`?wait=true`, so the message id comes back).
 * Classification: 200/204 delivered; 429 rate-limited for the body's
 * `retry_after` seconds (or `Retry-After`); 404 / code 10015 (unknown
 * webhook) and 401 / code 50027 endpoint-gone; other 4xx permanent; 5xx and
 * network errors retryable. Default rate limit 0.5/s, burst 5.
 *
 * @example
 * ```ts
 * import { createNotifier, discordChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { discord: discordChannel({ webhookUrl: process.env.DISCORD_WEBHOOK_URL! }) } });
 * ```
 */
export function discordChannel(options: DiscordChannelOptions): NotificationChannel {
  check.object('discordChannel', options);
  const url = urlOption('discordChannel.webhookUrl', options.webhookUrl);
  url.searchParams.set('wait', 'true');
  const settings = httpSettings('discordChannel', options);
  const username =
    options.username === undefined ? undefined : check.nonEmptyString('discordChannel.username', options.username);
  const concurrency = check.positiveInteger('discordChannel.concurrency', options.concurrency, 1);
  return {
    kind: 'discord',
    addressesPeople: false,
    rateLimit: DISCORD_RATE_LIMIT,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const body = JSON.stringify(discordPayload(delivery.message, username));
      const reply = await post('discord', settings, url, body, { 'content-type': 'application/json' }, signal);
      const parsed = parseJson(reply.body) as
        { id?: unknown; code?: unknown; message?: unknown; retry_after?: unknown } | undefined;
      if (reply.status >= 200 && reply.status < 300) {
        return typeof parsed?.id === 'string' ? { providerMessageId: parsed.id } : {};
      }
      const code = typeof parsed?.code === 'number' ? parsed.code : undefined;
      const base = {
        ...(code === undefined ? {} : { providerCode: String(code) }),
        ...(typeof parsed?.message === 'string' ? { detail: parsed.message } : {}),
      };
      if (reply.status === 429) {
        // Discord's body carries a finer wait (seconds with decimals) than its Retry-After header.
        const bodyWait = typeof parsed?.retry_after === 'number' ? Math.ceil(parsed.retry_after * 1000) : undefined;
        throw replyError('discord', reply, { ...base, ...(bodyWait === undefined ? {} : { retryAfterMs: bodyWait }) });
      }
      if (reply.status === 404 || (code !== undefined && GONE_CODES.has(code))) {
        throw replyError('discord', reply, { ...base, classification: 'endpoint-gone' });
      }
      throw replyError('discord', reply, base);
    },
  };
}
