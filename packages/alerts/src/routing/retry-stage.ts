import { delay, type AlertGroup, type Backoff, type Clock, type Emitter, type Logger } from '@telltale/core';
import type { Receiver } from './receivers.js';
import { notificationEvent, type NotificationEvent } from './notification-events.js';

/** What the retry stage needs from its router. */
export interface RetryStageContext {
  readonly backoff: Backoff;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifications: Emitter<NotificationEvent>;
  /** Aborted by `close()`: a waiting retry gives up. */
  readonly signal: AbortSignal;
  readonly closed: () => boolean;
}

/**
 * Alertmanager's RetryStage: calls the receiver, and on failure waits with the backoff and tries
 * again while the next attempt still falls inside the group's `group_interval` (after that, the
 * next tick retries with the group's state then). Every attempt is reported. `true` once delivered.
 */
export async function deliverWithRetry(
  context: RetryStageContext,
  receiver: Receiver,
  payload: AlertGroup,
  group: { readonly key: string; readonly groupInterval: number },
): Promise<boolean> {
  const { backoff, clock, logger, notifications } = context;
  const deadline = clock.now() + group.groupInterval;
  const report = (attempt: number, failure?: { readonly error: unknown }): void =>
    notifications.emit(
      notificationEvent(
        { receiver: payload.receiver, groupKey: group.key, time: clock.now(), attempt, payload },
        failure,
      ),
    );
  let wait = backoff.delay(1, 0);
  for (let attempt = 1; ; attempt++) {
    try {
      await receiver.notify(payload);
      report(attempt);
      return true;
    } catch (error) {
      report(attempt, { error });
      const details = { err: error, receiver: payload.receiver, groupKey: group.key, attempt };
      if (context.closed() || clock.now() + wait >= deadline) {
        logger.error(details, 'alert router: receiver failed, giving up until the next group_interval');
        return false;
      }
      logger.warn(details, 'alert router: receiver failed, retrying');
      try {
        await delay(wait, { clock, signal: context.signal });
      } catch {
        return false;
      }
      wait = backoff.delay(attempt + 1, wait);
    }
  }
}
