import { hostname } from 'node:os';
import { TelltaleConfigError, options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel, RateLimit } from '../channel.js';
import { httpSettings, parseJson, post, replyError, urlOption, type HttpChannelOptions } from '../http.js';
import { truncate } from '../format.js';

/**
 * Options of {@link pagerdutyChannel}.
 *
 * @example
 * ```ts
 * pagerdutyChannel({ routingKey, source: 'checkout-api', component: 'payments', url: 'https://events.eu.pagerduty.com/v2/enqueue' });
 * ```
 */
export interface PagerdutyChannelOptions extends HttpChannelOptions {
  /** Integration (routing) key of an Events API v2 integration. Secret: never logged. */
  routingKey: string;
  /** Events endpoint; default `https://events.pagerduty.com/v2/enqueue` (EU: `https://events.eu.pagerduty.com/v2/enqueue`). */
  url?: string;
  /** `payload.source`; default the host name. */
  source?: string;
  /** `payload.component`. */
  component?: string;
  /** `payload.group`. */
  group?: string;
  /** `payload.class`. */
  class?: string;
  /** `client` shown in PagerDuty. */
  client?: string;
  /** Deliveries in flight at once; default 2. */
  concurrency?: number;
}

// Events API v2 accepts 120 events per minute per integration key.
const PAGERDUTY_RATE_LIMIT: RateLimit = { perSecond: 2, burst: 10 };

/** Events API v2 body for a delivery: trigger, or resolve when the message is resolved. */
export function pagerdutyEvent(
  delivery: Delivery,
  routingKey: string,
  options: PagerdutyChannelOptions & { source: string },
): Record<string, unknown> {
  const message = delivery.message;
  const dedupKey = message.correlationKey ?? delivery.idempotencyKey;
  if (message.status === 'resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const customDetails: Record<string, unknown> = { ...(message.data ?? {}) };
  if (message.text !== undefined) customDetails.text = message.text;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(message.subject, 1024),
      source: options.source,
      severity: message.severity,
      timestamp: new Date(delivery.enqueuedAt).toISOString(),
      ...(options.component === undefined ? {} : { component: options.component }),
      ...(options.group === undefined ? {} : { group: options.group }),
      ...(options.class === undefined ? {} : { class: options.class }),
      ...(Object.keys(customDetails).length === 0 ? {} : { custom_details: customDetails }),
    },
    ...(message.links === undefined
      ? {}
      : {
          links: message.links.map((link) => ({
            href: link.href,
            ...(link.text === undefined ? {} : { text: link.text }),
          })),
        }),
    ...(options.client === undefined ? {} : { client: options.client }),
  };
}

/**
 * PagerDuty Events API v2 channel. `dedup_key` is the message's
 * `correlationKey`, else the idempotency key, so retries never open a second
 * incident and `status: 'resolved'` resolves the one a trigger opened.
 * Classification: 202 delivered (`dedup_key` returned); 400 `invalid event`
 * permanent; 429 rate-limited (`Retry-After` if sent, else backoff); 5xx and
 * network errors retryable; 404 endpoint-gone. Default rate limit 2/s, burst 10
 * (PagerDuty's 120 events/minute per key).
 *
 * @example
 * ```ts
 * import { createNotifier, pagerdutyChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { pager: pagerdutyChannel({ routingKey: process.env.PD_ROUTING_KEY! }) } });
 * await notifier.send({ subject: 'API error rate above 5%', severity: 'critical', correlationKey: 'api-errors' });
 * await notifier.send({ subject: 'API error rate above 5%', status: 'resolved', correlationKey: 'api-errors' });
 * ```
 */
export function pagerdutyChannel(options: PagerdutyChannelOptions): NotificationChannel {
  check.object('pagerdutyChannel', options);
  if (typeof options.routingKey !== 'string' || options.routingKey.trim() === '') {
    throw new TelltaleConfigError({
      option: 'pagerdutyChannel.routingKey',
      value: typeof options.routingKey,
      expected: 'a non-empty integration key string',
    });
  }
  const routingKey = options.routingKey.trim();
  const url = urlOption('pagerdutyChannel.url', options.url ?? 'https://events.pagerduty.com/v2/enqueue');
  const settings = httpSettings('pagerdutyChannel', options);
  const source =
    options.source === undefined ? hostname() : check.nonEmptyString('pagerdutyChannel.source', options.source);
  const concurrency = check.positiveInteger('pagerdutyChannel.concurrency', options.concurrency, 2);
  return {
    kind: 'pagerduty',
    addressesPeople: false,
    rateLimit: PAGERDUTY_RATE_LIMIT,
    concurrency,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const body = JSON.stringify(pagerdutyEvent(delivery, routingKey, { ...options, source }));
      const reply = await post('pagerduty', settings, url, body, { 'content-type': 'application/json' }, signal);
      const parsed = parseJson(reply.body) as
        { status?: unknown; message?: unknown; dedup_key?: unknown; errors?: unknown } | undefined;
      if (reply.status >= 200 && reply.status < 300) {
        return typeof parsed?.dedup_key === 'string' ? { providerMessageId: parsed.dedup_key } : {};
      }
      const errors = Array.isArray(parsed?.errors)
        ? parsed.errors.filter((entry) => typeof entry === 'string').join('; ')
        : '';
      const detail = [typeof parsed?.message === 'string' ? parsed.message : '', errors].filter(Boolean).join(': ');
      const base = {
        ...(detail ? { detail } : {}),
        ...(typeof parsed?.status === 'string' ? { providerCode: parsed.status } : {}),
      };
      if (reply.status === 404) throw replyError('pagerduty', reply, { ...base, classification: 'endpoint-gone' });
      throw replyError('pagerduty', reply, base);
    },
  };
}
