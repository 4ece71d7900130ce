import type { NormalizedMessage } from './message.js';

/**
 * The named recipient a delivery is for (see the notifier's `recipients`).
 *
 * @example
 * ```ts
 * const phone = delivery.recipient?.address; // the recipient's address on this channel
 * ```
 */
export interface DeliveryRecipient {
  /** The recipient's id in the notifier's `recipients`. */
  id: string;
  /** Their address on this delivery's channel. */
  address: string;
  /** Display name, if configured. */
  name?: string;
}

/**
 * One delivery attempt handed to a channel.
 *
 * @example
 * ```ts
 * async deliver(delivery: Delivery) { await post(delivery.idempotencyKey, delivery.message.subject); return {}; }
 * ```
 */
export interface Delivery {
  /** Stable id of this (message, channel) delivery; the same on every retry. */
  id: string;
  /**
   * The caller's idempotency key (or a generated one); for a delivery to a
   * named recipient, the key derived from it with `recipientIdempotencyKey`.
   * Pass it to providers that dedupe.
   */
  idempotencyKey: string;
  /** Name the channel is registered under in the notifier. */
  channel: string;
  /** The validated message. */
  message: NormalizedMessage;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the message was accepted, epoch milliseconds. */
  enqueuedAt: number;
  /** Set when this is a fallback delivery: the channel that failed first. */
  fallbackFrom?: string;
  /**
   * Set when the delivery is for a named recipient: their id and address on
   * this channel (`message.to` then holds only that address, on channels
   * that address people).
   */
  recipient?: DeliveryRecipient;
}

/**
 * What a channel reports on success.
 *
 * @example
 * ```ts
 * return { providerMessageId: response.headers.get('x-message-id') ?? undefined } satisfies DeliveryResult;
 * ```
 */
export interface DeliveryResult {
  /** Provider's id for the message (SendGrid `X-Message-Id`, SMTP `Message-ID`, ...). */
  providerMessageId?: string;
  /** Recipients the provider refused while accepting others (SMTP). */
  rejected?: readonly string[];
}

/**
 * Token-bucket rate limit: `perSecond` sustained, `burst` at once.
 *
 * @example
 * ```ts
 * createNotifier({ channels, rateLimits: { ops: { perSecond: 0.5, burst: 3 } satisfies RateLimit } });
 * ```
 */
export interface RateLimit {
  /** Sustained rate in messages per second (may be fractional, e.g. 0.5). */
  perSecond: number;
  /** Bucket size: messages allowed back to back. Default: `max(1, ceil(perSecond))`. */
  burst?: number;
}

/**
 * The port every channel implements. `deliver` resolves on acceptance by the
 * provider and throws a `NotifyDeliveryError` whose `classification` tells
 * the queue what to do; any other error counts as retryable.
 *
 * @example
 * ```ts
 * import { NotifyDeliveryError, type NotificationChannel } from '@telltale/notify';
 * const sms: NotificationChannel = {
 *   kind: 'sms',
 *   addressesPeople: true,
 *   async deliver(delivery, { signal }) {
 *     const response = await fetch('https://sms.example.com/send', { method: 'POST', signal, body: delivery.message.subject });
 *     if (!response.ok) throw new NotifyDeliveryError(`SMS gateway answered ${response.status}`, { classification: 'retryable', provider: 'sms', status: response.status });
 *     return {};
 *   },
 * };
 * ```
 */
export interface NotificationChannel {
  /** Provider kind, used as the `provider` of errors (`smtp`, `slack`, ...). */
  readonly kind: string;
  /** True when messages need recipients (`to`); `send` refuses messages without them. */
  readonly addressesPeople: boolean;
  /** Default rate limit (from the provider's documented limits); the notifier's `rateLimits` overrides it. */
  readonly rateLimit?: RateLimit | undefined;
  /** Default number of deliveries in flight at once. */
  readonly concurrency?: number | undefined;
  /** Delivers one message. Must honour `signal`. */
  deliver(delivery: Delivery, options: { signal: AbortSignal }): Promise<DeliveryResult>;
  /** Releases sockets and pools. */
  close?(): Promise<void>;
}
