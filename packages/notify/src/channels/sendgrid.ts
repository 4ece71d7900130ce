import { TelltaleConfigError, options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel } from '../channel.js';
import {
  httpSettings,
  parseJson,
  parseResetEpoch,
  post,
  replyError,
  urlOption,
  type HttpChannelOptions,
} from '../http.js';
import { plainBody } from '../format.js';
import { validateMessage } from '../message.js';

/**
 * Options of {@link sendgridChannel}.
 *
 * @example
 * ```ts
 * sendgridChannel({ apiKey, from: { address: 'billing@example.com', name: 'Billing' }, categories: ['billing'] });
 * ```
 */
export interface SendgridChannelOptions extends HttpChannelOptions {
  /** API key with Mail Send permission. Secret: never logged. */
  apiKey: string;
  /** Sender: an address or `{ address, name }` of a verified sender. */
  from: string | { address: string; name?: string };
  /** Reply-To address. */
  replyTo?: string;
  /** API base; default `https://api.sendgrid.com` (EU subusers: `https://api.eu.sendgrid.com`). */
  baseUrl?: string;
  /** Categories for SendGrid statistics. */
  categories?: readonly string[];
  /** Deliveries in flight at once; default 10. */
  concurrency?: number;
}

function address(option: string, value: string | { address: string; name?: string }): { email: string; name?: string } {
  try {
    const [parsed] = validateMessage({ subject: 'x', to: [value] }, true).to;
    return parsed!.name === undefined ? { email: parsed!.address } : { email: parsed!.address, name: parsed!.name };
  } catch {
    throw new TelltaleConfigError({ option, value, expected: 'an email address or { address, name? }' });
  }
}

/** The v3 `/mail/send` body. The idempotency key travels in `custom_args` (shown in Event Webhook posts). */
export function sendgridBody(
  delivery: Delivery,
  from: { email: string; name?: string },
  extra: { replyTo?: string; categories?: readonly string[] },
): Record<string, unknown> {
  const message = delivery.message;
  // text/plain must come before text/html, and at least one non-empty part is required.
  const content = [{ type: 'text/plain', value: plainBody(message) }];
  if (message.html !== undefined && message.html !== '') content.push({ type: 'text/html', value: message.html });
  return {
    personalizations: [
      {
        to: message.to.map((recipient) =>
          recipient.name === undefined
            ? { email: recipient.address }
            : { email: recipient.address, name: recipient.name },
        ),
      },
    ],
    from,
    ...(extra.replyTo === undefined ? {} : { reply_to: { email: extra.replyTo } }),
    subject: message.subject,
    content,
    custom_args: { idempotency_key: delivery.idempotencyKey, telltale_delivery_id: delivery.id },
    ...(extra.categories === undefined ? {} : { categories: extra.categories }),
  };
}

/**
 * SendGrid v3 Mail Send channel. Classification: 202 delivered
 * (`X-Message-Id` returned as `providerMessageId`); 429 rate-limited until
 * `X-RateLimit-Reset` (epoch seconds); 400/401/403/413 permanent with the
 * `errors[].message` text; 5xx and network errors retryable. SendGrid
 * publishes no fixed Mail Send rate, so there is no default rate limit: the
 * 429 reset drives the pause.
 *
 * @example
 * ```ts
 * import { createNotifier, sendgridChannel } from '@telltale/notify';
 * const notifier = createNotifier({
 *   channels: { email: sendgridChannel({ apiKey: process.env.SENDGRID_API_KEY!, from: { address: 'billing@example.com', name: 'Billing' } }) },
 * });
 * await notifier.send({ to: ['ana@example.com'], subject: 'Payment failed', text: 'Please update your card.' }, { idempotencyKey: 'invoice-42-failed' });
 * ```
 */
export function sendgridChannel(options: SendgridChannelOptions): NotificationChannel {
  check.object('sendgridChannel', options);
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new TelltaleConfigError({
      option: 'sendgridChannel.apiKey',
      value: typeof options.apiKey,
      expected: 'a non-empty API key string',
    });
  }
  const authorization = `Bearer ${options.apiKey.trim()}`;
  const from = address('sendgridChannel.from', options.from);
  const replyTo = options.replyTo === undefined ? undefined : address('sendgridChannel.replyTo', options.replyTo).email;
  const base = urlOption('sendgridChannel.baseUrl', options.baseUrl ?? 'https://api.sendgrid.com');
  const url = new URL('/v3/mail/send', base);
  const settings = httpSettings('sendgridChannel', options);
  const concurrency = check.positiveInteger('sendgridChannel.concurrency', options.concurrency, 10);
  const extra = {
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(options.categories === undefined ? {} : { categories: options.categories }),
  };
  return {
    kind: 'sendgrid',
    addressesPeople: true,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const body = JSON.stringify(sendgridBody(delivery, from, extra));
      const reply = await post(
        'sendgrid',
        settings,
        url,
        body,
        { 'content-type': 'application/json', authorization },
        signal,
      );
      if (reply.status >= 200 && reply.status < 300) {
        const id = reply.headers.get('x-message-id');
        return id ? { providerMessageId: id } : {};
      }
      const parsed = parseJson(reply.body) as { errors?: { message?: unknown; field?: unknown }[] } | undefined;
      const detail = Array.isArray(parsed?.errors)
        ? parsed.errors
            .map((entry) =>
              [
                typeof entry.field === 'string' ? entry.field : '',
                typeof entry.message === 'string' ? entry.message : '',
              ]
                .filter(Boolean)
                .join(': '),
            )
            .filter(Boolean)
            .join('; ')
        : '';
      // SendGrid announces its window's reset as epoch seconds; Retry-After is the fallback.
      const reset =
        reply.status === 429 ? parseResetEpoch(reply.headers.get('x-ratelimit-reset'), Date.now()) : undefined;
      throw replyError('sendgrid', reply, {
        ...(reset === undefined ? {} : { retryAfterMs: reset }),
        ...(detail ? { detail } : {}),
      });
    },
  };
}
