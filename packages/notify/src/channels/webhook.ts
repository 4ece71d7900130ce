import { createHmac } from 'node:crypto';
import { TelltaleConfigError, options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel } from '../channel.js';
import { httpSettings, post, replyError, urlOption, type HttpChannelOptions } from '../http.js';
import { messagePayload } from '../format.js';

/**
 * Options of {@link webhookChannel}.
 *
 * @example
 * ```ts
 * webhookChannel({ url: 'https://hooks.example.com/in', secret: [oldSecret, newSecret], type: 'billing.notification' });
 * ```
 */
export interface WebhookChannelOptions extends HttpChannelOptions {
  /** Endpoint URL. Treated as secret (may carry a token): never logged. */
  url: string;
  /**
   * Signing secret(s), `whsec_` + base64 of 24–64 random bytes. With several
   * (rotation), every one signs and all signatures are sent, space-separated.
   */
  secret: string | readonly string[];
  /** Payload `type`; default `'notification'`. */
  type?: string;
  /** Extra request headers (not signed). */
  headers?: Readonly<Record<string, string>>;
  /** Deliveries in flight at once; default 10. */
  concurrency?: number;
}

const SECRET_PREFIX = 'whsec_';

function decodeSecret(option: string, secret: unknown): Buffer {
  if (typeof secret === 'string') {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
      const key = Buffer.from(encoded, 'base64');
      if (key.length >= 24 && key.length <= 64) return key;
    }
  }
  throw new TelltaleConfigError({
    option,
    value: typeof secret === 'string' ? '<redacted secret>' : secret,
    expected: 'a Standard Webhooks secret: "whsec_" followed by base64 of 24 to 64 bytes',
  });
}

/**
 * Standard Webhooks signature header value: `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">` for each key, space-separated.
 *
 * @example
 * ```ts
 * import { signStandardWebhook } from '@telltale/notify';
 * const header = signStandardWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_1', 1700000000, '{"a":1}');
 * ```
 */
export function signStandardWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets
    .map((secret, index) => {
      const key = decodeSecret(`secret[${index}]`, secret);
      return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/**
 * Generic webhook channel signed per the Standard Webhooks specification:
 * `webhook-id` (the idempotency key, the same on every retry),
 * `webhook-timestamp` (epoch seconds of the attempt) and `webhook-signature`.
 * The body is `{ type, timestamp, data }` with the message in `data`.
 * Classification: 2xx delivered; 410 endpoint-gone (the endpoint is disabled
 * and its messages dead-lettered, as the spec asks); 429 rate-limited
 * (`Retry-After`); 408/425/5xx and network errors retryable; redirects
 * (never followed with a signed body) and other 4xx permanent.
 *
 * @example
 * ```ts
 * import { createNotifier, webhookChannel } from '@telltale/notify';
 * const notifier = createNotifier({
 *   channels: { hooks: webhookChannel({ url: 'https://hooks.example.com/telltale', secret: process.env.WEBHOOK_SECRET! }) },
 * });
 * ```
 */
export function webhookChannel(options: WebhookChannelOptions): NotificationChannel {
  check.object('webhookChannel', options);
  const url = urlOption('webhookChannel.url', options.url);
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new TelltaleConfigError({
      option: 'webhookChannel.secret',
      value: options.secret === undefined ? undefined : '<redacted>',
      expected: 'a secret or a non-empty array of secrets',
    });
  }
  const keys = (secrets as readonly unknown[]).map((secret, index) =>
    decodeSecret(`webhookChannel.secret[${index}]`, secret),
  );
  const type = check.nonEmptyString('webhookChannel.type', options.type, 'notification');
  const settings = httpSettings('webhookChannel', options);
  const concurrency = check.positiveInteger('webhookChannel.concurrency', options.concurrency, 10);
  const extraHeaders = check.object('webhookChannel.headers', options.headers);
  return {
    kind: 'webhook',
    addressesPeople: false,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        type,
        timestamp: new Date(timestamp * 1000).toISOString(),
        data: {
          id: delivery.idempotencyKey,
          deliveryId: delivery.id,
          channel: delivery.channel,
          ...(delivery.recipient === undefined ? {} : { recipient: delivery.recipient }),
          ...messagePayload(delivery.message),
        },
      });
      const signed = `${delivery.idempotencyKey}.${timestamp}.${body}`;
      const signature = keys.map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`).join(' ');
      const reply = await post(
        'webhook',
        settings,
        url,
        body,
        {
          ...extraHeaders,
          'content-type': 'application/json',
          'webhook-id': delivery.idempotencyKey,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        signal,
      );
      if (reply.status >= 200 && reply.status < 300) return {};
      const detail = reply.body.trim().slice(0, 200);
      throw replyError('webhook', reply, detail ? { detail } : {});
    },
  };
}
