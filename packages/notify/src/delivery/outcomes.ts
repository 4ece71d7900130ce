import { TelltaleError } from '@telltale/core';
import type { DeliveryResult } from '../channel.js';
import type { DeadLetter } from '../notifier-types.js';
import type { OutboxRecord } from '../store.js';
import { undeliveredError } from './dead-letters.js';
import type { NotifierState } from './state.js';

/** Starts tracking a message's deliveries, for `await: 'delivered'` and the dedup entry's outcome. */
export function track(state: NotifierState, messageId: string, records: readonly OutboxRecord[]): void {
  state.trackers.set(messageId, {
    remaining: new Set(records.map((record) => record.id)),
    results: {},
    failures: [],
    listeners: new Set(),
    records: new Map(records.map((record) => [record.id, record])),
  });
}

/** Records one delivery's end; once the message's last one ends, tells its waiters and its dedup entry. */
export function settleWaiter(
  state: NotifierState,
  record: OutboxRecord,
  result: DeliveryResult | undefined,
  dead: DeadLetter | undefined,
): void {
  const key = state.keys.get(record.idempotencyKey);
  const owned = key?.messageId === record.messageId ? key : undefined;
  const tracker = state.trackers.get(record.messageId);
  if (!tracker) {
    // Loaded from the store after a restart: nobody waits, only the dedup entry learns the outcome.
    if (owned && dead) owned.outcome = 'dead';
    return;
  }
  tracker.remaining.delete(record.id);
  if (result) tracker.results[record.recipient ? `${record.channel}:${record.recipient.id}` : record.channel] = result;
  if (dead) tracker.failures.push(dead);
  if (tracker.remaining.size > 0) return;
  state.trackers.delete(record.messageId);
  if (owned) owned.outcome = tracker.failures.length === 0 ? 'delivered' : 'dead';
  const error = tracker.failures.length === 0 ? undefined : undeliveredError(record.messageId, tracker.failures);
  for (const listener of tracker.listeners) listener(error, tracker.results);
}

/** Resolves when every delivery of `messageId` is delivered; rejects when one is dead-lettered. */
export function waitFor(
  state: NotifierState,
  messageId: string,
  signal: AbortSignal | undefined,
): Promise<Record<string, DeliveryResult>> {
  const tracker = state.trackers.get(messageId);
  if (!tracker) return Promise.resolve({});
  return new Promise((resolve, reject) => {
    const listener = (error: Error | undefined, results: Record<string, DeliveryResult>): void => {
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(results);
    };
    const onAbort = (): void => {
      tracker.listeners.delete(listener);
      reject(
        new TelltaleError('TELLTALE_ABORTED', 'Stopped waiting for delivery; the message is still queued', {
          cause: signal?.reason,
        }),
      );
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    tracker.listeners.add(listener);
  });
}
