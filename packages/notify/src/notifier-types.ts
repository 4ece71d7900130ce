import type { Clock, Disposable, DurationInput, Logger, MeterProviderLike } from '@telltale/core';
import type { ChannelBreakerOptions } from './breaker.js';
import type { DeliveryRecipient, DeliveryResult, NotificationChannel, RateLimit } from './channel.js';
import type { NotificationMessage, TemplatedMessage } from './message.js';
import type { QuietHours } from './quiet-hours.js';
import type { RecipientPreferences } from './recipients.js';
import type { NotifyRoute } from './routes.js';
import type { RenderedTemplate, TemplateRegistry } from './templates/registry.js';
import type { DeliveryQueue } from './queue/queue-port.js';
import type { DeliveryErrorSummary, OutboxRecord, OutboxStore } from './store.js';
import type { NotifyEvent } from './events.js';

export type { NotifyEvent } from './events.js';

/**
 * Retry policy of the delivery queue.
 *
 * @example
 * ```ts
 * createNotifier({ channels, retry: { maxAttempts: 10, initial: '2s', max: '10m', maxRetryAfter: '5m' } });
 * ```
 */
export interface RetryOptions {
  /** Attempts per delivery before dead-lettering (rate-limited attempts are not counted); default 8. */
  maxAttempts?: number;
  /** First backoff of resilience's `exponential()`; default `'1s'`. */
  initial?: DurationInput;
  /** Largest backoff; default `'5m'`. */
  max?: DurationInput;
  /** @deprecated Renamed `initial` (the name `exponential()` uses); removed in the next minor. */
  initialDelay?: DurationInput;
  /** @deprecated Renamed `max` (the name `exponential()` uses); removed in the next minor. */
  maxDelay?: DurationInput;
  /** Jitter: `'equal'` (default: half fixed, half random), `'full'` or `'none'`. */
  jitter?: 'equal' | 'full' | 'none';
  /** Cap on a provider's `Retry-After` / rate-limit reset wait; default `'15m'`. */
  maxRetryAfter?: DurationInput;
  /** Dead-letter a delivery still undelivered this long after acceptance; default `'24h'`. */
  expireAfter?: DurationInput;
}

/**
 * Options of {@link createNotifier}.
 *
 * @example
 * ```ts
 * const options: NotifierOptions = { channels: { inbox: memoryChannel() }, idempotencyTtl: '1h', logger };
 * ```
 */
export interface NotifierOptions {
  /** Channels by name, e.g. `{ email: smtpChannel(...), ops: slackChannel(...) }`. */
  channels: Readonly<Record<string, NotificationChannel>>;
  /**
   * Outbox persistence; default {@link memoryStore} (not durable), or a file store when `directory`
   * is given. A {@link DeliveryQueue} shared by several processes (`redisStore` from
   * `@telltale/notify/redis`) lets every replica accept and exactly one deliver each message.
   */
  store?: OutboxStore | DeliveryQueue;
  /** Shorthand for `store: fileStore({ directory, logger })`: the durable journal lives here. */
  directory?: string;
  /** Routing rules (first match wins; no match → every channel); `send({ channels })` bypasses them. */
  routes?: readonly NotifyRoute[];
  /**
   * Channel fallbacks, e.g. `{ ops: 'email' }`: a delivery dead-lettered on `ops`, or refused by
   * its open breaker, is re-queued once on `email`; the fallback is recorded on the delivery
   * (`fallbackFrom`) and the `delivered` event, and the original stays a dead letter.
   */
  fallbacks?: Readonly<Record<string, string>>;
  /** Per-channel quiet hours: non-urgent messages wait for the window's end (e.g. `{ ops: { timezone: 'Europe/Berlin', start: '22:00', end: '07:00' } }`). */
  quietHours?: Readonly<Record<string, QuietHours>>;
  /**
   * People (or teams) by id, with their addresses per channel and
   * preferences (channels, `minSeverity`, `timezone`, `quietHours`); address
   * them with `send(message, { recipients })` or a route's `recipients`.
   */
  recipients?: Readonly<Record<string, RecipientPreferences>>;
  /** Named templates for `send({ template, vars })`, from `createTemplateRegistry`. */
  templates?: TemplateRegistry;
  /** Retry policy. */
  retry?: RetryOptions;
  /** Per-channel rate limits overriding the channels' defaults; `false` removes a limit. */
  rateLimits?: Readonly<Record<string, RateLimit | false>>;
  /** Per-channel concurrency overriding the channels' defaults (fallback 4). */
  concurrency?: Readonly<Record<string, number>>;
  /** Per-channel circuit breaker settings, or `false` for none. */
  breaker?: ChannelBreakerOptions | false;
  /** How long an idempotency key is remembered (sends with it are dropped as duplicates); default `'24h'`. */
  idempotencyTtl?: DurationInput;
  /** @deprecated Renamed `idempotencyTtl` (the name `jobQueue` uses); removed in the next minor. */
  dedupWindow?: DurationInput;
  /** Most deliveries waiting at once; `send` rejects with `TELLTALE_NOTIFY_QUEUE_FULL` beyond it. Default 100000. */
  maxQueued?: number;
  /** @deprecated Renamed `maxQueued` (the name `@telltale/jobs` uses); removed in the next minor. */
  maxQueueSize?: number;
  /** Pino-compatible logger; silent by default. Messages' bodies are never logged. */
  logger?: Partial<Logger>;
  /**
   * OpenTelemetry meter provider (default: the global one), or `false` to disable telemetry:
   * nothing is recorded, no instrument or gauge callback is registered, and each channel's
   * breaker gets `false` too.
   */
  meterProvider?: MeterProviderLike | false;
  /** Clock, for tests. */
  clock?: Clock;
  /** Random source in [0, 1) for jitter, for tests. */
  random?: () => number;
}

/**
 * Options of {@link Notifier.send}.
 *
 * @example
 * ```ts
 * await notifier.send(message, { idempotencyKey: 'order-42-shipped', await: 'delivered', channels: ['email'] });
 * ```
 */
export interface SendOptions {
  /**
   * Deduplicates sends within `idempotencyTtl` and is passed to providers
   * that accept one (`webhook-id`, PagerDuty `dedup_key`, SMTP `Message-ID`,
   * SendGrid `custom_args`). Default: a random key (no deduplication).
   */
  idempotencyKey?: string;
  /** `'accepted'` (default) resolves once queued; `'delivered'` once every channel delivered. */
  await?: 'accepted' | 'delivered';
  /** Only these channels (one delivery each); bypasses `routes`. Default: the routes' choice, else every channel. */
  channels?: readonly string[];
  /**
   * Ids of the notifier's `recipients`: one delivery per recipient and
   * preferred channel, honouring their `minSeverity` and quiet hours; bypasses
   * `routes`. Given without `channels`, nothing else is sent.
   */
  recipients?: readonly string[];
  /** Stops waiting for `'delivered'` (the message stays queued). */
  signal?: AbortSignal;
}

/**
 * What {@link Notifier.send} resolves with.
 *
 * @example
 * ```ts
 * const { messageId, duplicate } = await notifier.send({ subject: 'Hi' }, { idempotencyKey: 'k1' });
 * ```
 */
export interface SendReceipt {
  /** Id shared by this message's deliveries. */
  messageId: string;
  /** The idempotency key used. */
  idempotencyKey: string;
  /** True when the key was seen within the dedup window and nothing new was queued. */
  duplicate: boolean;
  /** Channels the message was queued for. */
  channels: readonly string[];
  /** Every planned delivery, queued, deferred or skipped (absent on a duplicate). */
  deliveries?: readonly PlannedDelivery[];
  /** With `await: 'delivered'`: per channel result (per `channel:recipient` for recipients' deliveries). */
  results?: Readonly<Record<string, DeliveryResult>>;
}

/**
 * What `send` did with one (channel, recipient) pair: `queued` (due now),
 * `deferred` (held by quiet hours until `notBefore`; kept in the store) or
 * `skipped` (below the recipient's `minSeverity`: nothing queued, `reason`
 * says why; also a `skipped` event and the `skipped` outcome metric).
 *
 * @example
 * ```ts
 * const receipt = await notifier.send({ subject: 'Digest' }, { recipients: ['ana'] });
 * for (const delivery of receipt.deliveries ?? []) console.info(delivery.channel, delivery.status, delivery.notBefore);
 * ```
 */
export interface PlannedDelivery {
  /** Delivery id (also on events and dead letters). */
  id: string;
  channel: string;
  /** The recipient's id, for deliveries to named recipients. */
  recipient?: string;
  /** The key the channel sees (derived per recipient with `recipientIdempotencyKey`). */
  idempotencyKey: string;
  status: 'queued' | 'deferred' | 'skipped';
  /** For `deferred`: epoch milliseconds before which it is not attempted. */
  notBefore?: number;
  /** For `skipped`: why. */
  reason?: 'below-min-severity';
}

/**
 * A dead-lettered delivery. (`@telltale/resilience`'s deprecated `jobQueue` calls its own, another
 * shape, `JobDeadLetter`.)
 *
 * @example
 * ```ts
 * for (const letter of notifier.deadLetters()) console.warn(letter.channel, letter.error.message);
 * ```
 */
export interface DeadLetter {
  /** Delivery id (use with `redrive({ ids })`). */
  id: string;
  messageId: string;
  channel: string;
  /** The key the channel saw (derived per recipient for recipients' deliveries). */
  idempotencyKey: string;
  /** The named recipient, for recipients' deliveries. */
  recipient?: DeliveryRecipient;
  message: OutboxRecord['message'];
  attempts: number;
  enqueuedAt: number;
  deadAt: number;
  /** The last error. */
  error: DeliveryErrorSummary;
}

/**
 * Per-channel queue state from {@link Notifier.stats}.
 *
 * @example
 * ```ts
 * const { pending, deadLetters } = notifier.stats().email!;
 * ```
 */
export interface ChannelStats {
  pending: number;
  inFlight: number;
  deadLetters: number;
  /** Set when a 410-style answer disabled the endpoint; `redrive` re-enables it. */
  disabled?: DeliveryErrorSummary;
  /** Epoch ms until which a rate limit or open breaker pauses the channel. */
  pausedUntil?: number;
  breaker?: string;
}

/**
 * The notifier. See {@link createNotifier}.
 *
 * @example
 * ```ts
 * const notifier: Notifier = createNotifier({ channels: { inbox: memoryChannel() } });
 * await notifier.send({ subject: 'Hello' });
 * await notifier.close();
 * ```
 */
export interface Notifier {
  /** Validates and queues a message for every channel (or the routes' choice, or `options.channels` / `options.recipients`). */
  send(message: NotificationMessage | TemplatedMessage, options?: SendOptions): Promise<SendReceipt>;
  /** Renders a template of `templates` without sending; throws `NotifyTemplateError` like `send`. */
  preview(templateName: string, vars?: Readonly<Record<string, unknown>>): RenderedTemplate;
  /** Resolves when nothing is waiting or in flight (scheduled retries included). */
  flush(options?: { signal?: AbortSignal; timeout?: DurationInput }): Promise<void>;
  /** Dead-lettered deliveries, oldest first. */
  deadLetters(filter?: { channel?: string }): DeadLetter[];
  /** Requeues dead letters (all, a channel's, or the given ids) with a fresh retry budget; re-enables disabled channels. */
  redrive(filter?: { channel?: string; ids?: readonly string[] }): Promise<number>;
  /** Queue state per channel. */
  stats(): Record<string, ChannelStats>;
  /** Listens to delivery events. */
  onEvent(listener: (event: NotifyEvent) => void): Disposable;
  /** Stops accepting, waits (up to `timeout`, default `'30s'`) for work that is due, then aborts and closes channels and store. */
  close(options?: { timeout?: DurationInput }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
