import type { DeliveryErrorSummary } from './store.js';

/**
 * Fields of every event about one delivery (one channel, maybe one recipient).
 *
 * @example
 * ```ts
 * import type { NotifyDeliveryEventBase } from '@telltale/notify';
 * const where = (event: NotifyDeliveryEventBase) => `${event.channel}:${event.recipient ?? '-'}:${event.deliveryId}`;
 * ```
 */
export interface NotifyDeliveryEventBase {
  channel: string;
  /** Delivery id (also on dead letters and planned deliveries). */
  deliveryId: string;
  /** The key the channel sees (derived per recipient for recipients' deliveries). */
  idempotencyKey: string;
  /** The recipient's id, on recipients' deliveries. */
  recipient?: string;
}

/**
 * A channel accepted the delivery.
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'delivered' && e.fallbackFrom && log.warn(`${e.channel} stood in for ${e.fallbackFrom}`));
 * ```
 */
export interface NotifyDeliveredEvent extends NotifyDeliveryEventBase {
  type: 'delivered';
  /** @deprecated The name before `type` changed (the same here); removed in the next minor. */
  legacyType: 'delivered';
  /** The attempt that succeeded (1 for the first). */
  attempt: number;
  /** The channel this message fell back from. */
  fallbackFrom?: string;
}

/**
 * An attempt failed and another is scheduled after `delayMs` (was `retry`).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'retry-scheduled' && log.warn({ wait: e.delayMs, err: e.error.message }, 'retrying'));
 * ```
 */
export interface NotifyRetryScheduledEvent extends NotifyDeliveryEventBase {
  type: 'retry-scheduled';
  /** @deprecated The name before `type` changed; removed in the next minor. */
  legacyType: 'retry';
  /** Attempts made so far. */
  attempt: number;
  /** Wait before the next attempt. */
  delayMs: number;
  /** The failure. */
  error: DeliveryErrorSummary;
}

/**
 * The provider rate-limited the channel: it pauses for `delayMs` (the attempt is not counted).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'rate-limited' && log.info({ channel: e.channel, pause: e.delayMs }, 'throttled'));
 * ```
 */
export interface NotifyRateLimitedEvent extends NotifyDeliveryEventBase {
  type: 'rate-limited';
  /** @deprecated The name before `type` changed (the same here); removed in the next minor. */
  legacyType: 'rate-limited';
  /** Attempts made so far. */
  attempt: number;
  /** How long the channel pauses. */
  delayMs: number;
  /** The provider's answer. */
  error: DeliveryErrorSummary;
}

/**
 * The channel's open breaker refused the delivery: not an attempt; the channel pauses for
 * `delayMs`, until the breaker lets a probe through (was `circuit-open`).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'circuit-rejected' && log.warn({ channel: e.channel }, 'breaker open'));
 * ```
 */
export interface NotifyCircuitRejectedEvent extends NotifyDeliveryEventBase {
  type: 'circuit-rejected';
  /** @deprecated The name before `type` changed; removed in the next minor. */
  legacyType: 'circuit-open';
  /** Attempts made so far. */
  attempt: number;
  /** How long the channel pauses. */
  delayMs: number;
}

/**
 * The delivery is dead-lettered: see `deadLetters()`, `redrive()` (was `dead-letter`).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'dead-lettered' && page(`${e.channel}: ${e.error.message}`));
 * ```
 */
export interface NotifyDeadLetteredEvent extends NotifyDeliveryEventBase {
  type: 'dead-lettered';
  /** @deprecated The name before `type` changed; removed in the next minor. */
  legacyType: 'dead-letter';
  /** Attempts made. */
  attempt: number;
  /** The last error. */
  error: DeliveryErrorSummary;
}

/**
 * Quiet hours hold the delivery until `notBefore`.
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'deferred' && log.debug({ until: new Date(e.notBefore) }, 'quiet hours'));
 * ```
 */
export interface NotifyDeferredEvent extends NotifyDeliveryEventBase {
  type: 'deferred';
  /** @deprecated The name before `type` changed (the same here); removed in the next minor. */
  legacyType: 'deferred';
  /** Attempts made so far. */
  attempt: number;
  /** Milliseconds until `notBefore`. */
  delayMs: number;
  /** Epoch milliseconds until which the delivery is held. */
  notBefore: number;
}

/**
 * Nothing was queued for a recipient (the message is below their `minSeverity`).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'skipped' && log.debug({ recipient: e.recipient, reason: e.reason }, 'skipped'));
 * ```
 */
export interface NotifySkippedEvent extends NotifyDeliveryEventBase {
  type: 'skipped';
  /** @deprecated The name before `type` changed (the same here); removed in the next minor. */
  legacyType: 'skipped';
  recipient: string;
  reason: 'below-min-severity';
}

/**
 * A 410-style answer disabled the channel; its queue is dead-lettered until `redrive`.
 * About the channel, not one delivery.
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'channel-disabled' && page(`${e.channel} is gone: ${e.error.message}`));
 * ```
 */
export interface NotifyChannelDisabledEvent {
  type: 'channel-disabled';
  /** @deprecated The name before `type` changed (the same here); removed in the next minor. */
  legacyType: 'channel-disabled';
  channel: string;
  /** The answer that disabled it. */
  error: DeliveryErrorSummary;
}

/**
 * A send whose idempotency key was seen within `idempotencyTtl`: nothing new was queued
 * (was `duplicate`, whose `deliveryId` held the message id and `channel` the joined channels).
 *
 * @example
 * ```ts
 * notifier.onEvent((e) => e.type === 'duplicate-dropped' && log.debug({ key: e.idempotencyKey, messageId: e.messageId }, 'dup'));
 * ```
 */
export interface NotifyDuplicateDroppedEvent {
  type: 'duplicate-dropped';
  /** @deprecated The name before `type` changed; removed in the next minor. */
  legacyType: 'duplicate';
  /** The original message's id. */
  messageId: string;
  /** The channels the original was queued for. */
  channels: readonly string[];
  /** The send's key. */
  idempotencyKey: string;
}

/**
 * Events from `Notifier.onEvent`: a union discriminated on `type`, in the past tense,
 * each variant with only its own fields. `legacyType` carries the previous name
 * (`retry`, `circuit-open`, `dead-letter`, `duplicate`) for one minor.
 *
 * @example
 * ```ts
 * notifier.onEvent((event) => {
 *   if (event.type === 'dead-lettered') alert(event.channel, event.error.message);
 * });
 * ```
 */
export type NotifyEvent =
  | NotifyDeliveredEvent
  | NotifyRetryScheduledEvent
  | NotifyRateLimitedEvent
  | NotifyCircuitRejectedEvent
  | NotifyDeadLetteredEvent
  | NotifyDeferredEvent
  | NotifySkippedEvent
  | NotifyChannelDisabledEvent
  | NotifyDuplicateDroppedEvent;

/**
 * The `type` of a {@link NotifyEvent}.
 *
 * @example
 * ```ts
 * import type { NotifyEventType } from '@telltale/notify';
 * const paging: NotifyEventType[] = ['dead-lettered', 'channel-disabled'];
 * ```
 */
export type NotifyEventType = NotifyEvent['type'];

type WithoutLegacy<E> = E extends unknown ? Omit<E, 'legacyType'> : never;

/** An event as the delivery modules build it; `legacyType` is added on emit. */
export type NotifyEventInput = WithoutLegacy<NotifyEvent>;

const LEGACY_TYPES: { readonly [K in NotifyEventType]: Extract<NotifyEvent, { type: K }>['legacyType'] } = {
  delivered: 'delivered',
  'retry-scheduled': 'retry',
  'rate-limited': 'rate-limited',
  'circuit-rejected': 'circuit-open',
  'dead-lettered': 'dead-letter',
  deferred: 'deferred',
  skipped: 'skipped',
  'channel-disabled': 'channel-disabled',
  'duplicate-dropped': 'duplicate',
};

/** The event with its deprecated `legacyType`. */
export function withLegacyType(event: NotifyEventInput): NotifyEvent {
  return { ...event, legacyType: LEGACY_TYPES[event.type] } as NotifyEvent;
}
