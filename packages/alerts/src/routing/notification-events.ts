import type { AlertGroup } from '@telltale/core';

/** What every {@link NotificationEvent} carries: which attempt, for which group, when. */
interface NotificationEventBase {
  /** The receiver the group was handed to. */
  readonly receiver: string;
  /** The aggregation group's key (Alertmanager's `groupKey`). */
  readonly groupKey: string;
  /** When the attempt ended (epoch ms, on the router's clock). */
  readonly time: number;
  /** 1 for the first call of this flush, 2 for its first retry, … */
  readonly attempt: number;
  /** The alert group sent. */
  readonly payload: AlertGroup;
}

/**
 * A receiver accepted the group.
 *
 * @example
 * ```ts
 * import type { NotificationDeliveredEvent } from '@telltale/alerts';
 * const log = (event: NotificationDeliveredEvent) => console.log(`${event.receiver} got ${event.groupKey}`);
 * ```
 */
export interface NotificationDeliveredEvent extends NotificationEventBase {
  readonly type: 'delivered';
  /** @deprecated Use `type` (`'delivered'`); removed in the next minor. */
  readonly outcome: 'success';
}

/**
 * A receiver call threw or rejected. The router retries with its backoff while the next attempt
 * still falls inside the group's `group_interval`, each retry reported again.
 *
 * @example
 * ```ts
 * import type { NotificationFailedEvent } from '@telltale/alerts';
 * const log = (event: NotificationFailedEvent) => console.error(event.receiver, event.attempt, event.error);
 * ```
 */
export interface NotificationFailedEvent extends NotificationEventBase {
  readonly type: 'failed';
  /** @deprecated Use `type` (`'failed'`); removed in the next minor. */
  readonly outcome: 'failure';
  /** What the receiver threw. */
  readonly error: unknown;
}

/**
 * One delivery attempt, as `onNotification` reports it: a union discriminated on `type`.
 *
 * @example
 * ```ts
 * import type { AlertRouter, NotificationEvent } from '@telltale/alerts';
 * declare const router: AlertRouter;
 * const subscription = router.onNotification((event: NotificationEvent) => {
 *   if (event.type === 'failed') console.error(`${event.receiver} attempt ${event.attempt}`, event.error);
 * });
 * subscription.dispose();
 * ```
 */
export type NotificationEvent = NotificationDeliveredEvent | NotificationFailedEvent;

/**
 * The names of {@link NotificationEvent}: `'delivered' | 'failed'`.
 *
 * @example
 * ```ts
 * import type { NotificationEventType } from '@telltale/alerts';
 * const counts: Record<NotificationEventType, number> = { delivered: 0, failed: 0 };
 * ```
 */
export type NotificationEventType = NotificationEvent['type'];

/** The event for one attempt: `error` is set when (and only when) the attempt failed. */
export function notificationEvent(
  base: NotificationEventBase,
  failure: { readonly error: unknown } | undefined,
): NotificationEvent {
  return failure === undefined
    ? { type: 'delivered', outcome: 'success', ...base }
    : { type: 'failed', outcome: 'failure', ...base, error: failure.error };
}
