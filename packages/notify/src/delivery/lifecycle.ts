import { options as check, TelltaleError, type DurationInput, type TimerHandle } from '@telltale/core';
import { inFlightOf, schedulePump } from './delivery-loop.js';
import type { DeliveryQueue } from '../queue/queue-port.js';
import { sharedQueue } from './outbox-writes.js';
import { startFeeds, stopFeeds } from './queue-feed.js';
import { queueDrained } from './queue-upkeep.js';
import type { NotifierState } from './state.js';

/** Loads what a previous run left in the store and starts delivering it. Rejects (logged) if the store fails. */
export function loadOutbox(state: NotifierState): Promise<void> {
  const { backend, clock, logger } = state.settings;
  if (backend.kind === 'queue') {
    const opened = backend.queue.open().then(
      () => startFeeds(state),
      (error: unknown) => {
        logger.error({ err: error }, 'notify delivery queue failed to open');
        throw error;
      },
    );
    opened.catch(() => {});
    return opened;
  }
  const ready = backend.store.load().then(
    (snapshot) => {
      const now = clock.now();
      for (const entry of snapshot.idempotencyKeys) if (entry.expiresAt > now) state.keys.set(entry.key, { ...entry });
      for (const record of snapshot.records) {
        const lane = state.lanes.get(record.channel);
        if (!lane) {
          logger.warn(
            { channel: record.channel, deliveryId: record.id },
            'notify outbox holds a delivery for an unknown channel; left in the store',
          );
          continue;
        }
        if (record.state === 'dead') lane.dead.set(record.id, record);
        else {
          state.queued++;
          if (record.nextAttemptAt <= now) lane.ready.push(record);
          else lane.delayed.push(record);
        }
      }
      for (const lane of state.lanes.values()) schedulePump(state, lane, 0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'notify outbox store failed to load');
      throw error;
    },
  );
  ready.catch(() => {});
  return ready;
}

/** Resolves when nothing is waiting or in flight; rejects on abort or timeout. */
export function flush(
  state: NotifierState,
  ready: Promise<void>,
  flushOptions: { signal?: AbortSignal; timeout?: DurationInput } = {},
): Promise<void> {
  const { clock } = state.settings;
  const timeout =
    flushOptions.timeout === undefined ? undefined : check.duration('flush.timeout', flushOptions.timeout);
  if (sharedQueue(state)) return ready.then(() => flushShared(state, timeout, flushOptions.signal));
  return ready.then(
    () =>
      new Promise<void>((resolve, reject) => {
        if (state.queued === 0 && state.accepting === 0) return resolve();
        let timer: TimerHandle | undefined;
        const done = (): void => {
          if (timer !== undefined) clock.clearTimeout(timer);
          flushOptions.signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          state.idleWaiters.delete(done);
          if (timer !== undefined) clock.clearTimeout(timer);
          reject(new TelltaleError('TELLTALE_ABORTED', 'flush() was aborted', { cause: flushOptions.signal?.reason }));
        };
        if (flushOptions.signal?.aborted) return onAbort();
        flushOptions.signal?.addEventListener('abort', onAbort, { once: true });
        if (timeout !== undefined) {
          timer = clock.setTimeout(() => {
            state.idleWaiters.delete(done);
            flushOptions.signal?.removeEventListener('abort', onAbort);
            reject(
              new TelltaleError('TELLTALE_TIMEOUT', `flush() timed out with ${state.queued} deliveries pending`, {
                details: { pending: state.queued },
              }),
            );
          }, timeout);
        }
        state.idleWaiters.add(done);
      }),
  );
}

/** Waits (up to `timeout`) for due work, then aborts what is in flight and closes channels and store. */
export async function shutDown(state: NotifierState, ready: Promise<void>, timeout: number): Promise<void> {
  const { clock, logger, backend } = state.settings;
  await ready.catch(() => {});
  const drained = (): boolean =>
    [...state.lanes.values()].every(
      (lane) =>
        lane.inFlight === 0 &&
        (lane.ready.length === 0 || lane.disabled !== undefined || lane.pausedUntil > clock.now()),
    );
  let timedOut = false;
  const deadline = clock.setTimeout(() => {
    timedOut = true;
    for (const notify of state.progressWaiters) notify();
    state.progressWaiters.clear();
  }, timeout);
  while (timeout > 0 && !drained() && !timedOut)
    await new Promise<void>((resolve) => state.progressWaiters.add(resolve));
  clock.clearTimeout(deadline);
  state.closed = true;
  if (backend.kind === 'queue') await handBack(state, backend.queue);
  state.abort.abort(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier was closed'));
  // Deliveries just aborted settle a turn later, after the queue is closed: hand their claims
  // back now (same idempotency key if a provider still completes one), not at lease expiry.
  if (backend.kind === 'queue') await handBackInFlight(state, backend.queue);
  for (const lane of state.lanes.values()) {
    if (lane.timer !== undefined) clock.clearTimeout(lane.timer);
    lane.breaker?.close();
  }
  if (state.queued > 0)
    logger.warn(
      { pending: state.queued },
      'notifier closed with deliveries still queued; they remain in the outbox store',
    );
  const closedError = new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier was closed before delivery');
  for (const tracker of state.trackers.values()) for (const listener of tracker.listeners) listener(closedError, {});
  // flush() callers would otherwise wait forever on deliveries that will not run in this process.
  for (const resolve of state.idleWaiters) resolve();
  state.idleWaiters.clear();
  state.trackers.clear();
  state.telemetry.close();
  const results = await Promise.allSettled(
    [...state.lanes.values()].map((lane) => lane.channel.close?.() ?? Promise.resolve()),
  );
  for (const result of results)
    if (result.status === 'rejected') logger.warn({ err: result.reason }, 'notification channel failed to close');
  await (backend.kind === 'queue' ? backend.queue.close() : backend.store.close());
}

/** Gives claimed deliveries that will not run here back to the shared queue, due now, for another process. */
async function handBack(state: NotifierState, queue: DeliveryQueue): Promise<void> {
  await stopFeeds(state);
  const now = state.settings.clock.now();
  const releases: Promise<boolean>[] = [];
  for (const lane of state.lanes.values()) {
    for (const record of lane.ready.drain()) {
      const lease = state.leases.get(record.id);
      state.leases.delete(record.id);
      state.queued--;
      if (lease) releases.push(queue.release(lease, record, now));
    }
  }
  await settleReleases(state, releases);
}

async function settleReleases(state: NotifierState, releases: Promise<boolean>[]): Promise<void> {
  const results = await Promise.allSettled(releases);
  for (const result of results)
    if (result.status === 'rejected')
      state.settings.logger.warn(
        { err: result.reason },
        'notify: could not hand a claimed delivery back (its lease will expire)',
      );
}

/** Gives the claims of deliveries aborted by close() back to the shared queue, due now. */
async function handBackInFlight(state: NotifierState, queue: DeliveryQueue): Promise<void> {
  const now = state.settings.clock.now();
  const releases: Promise<boolean>[] = [];
  for (const [id, record] of inFlightOf(state)) {
    const lease = state.leases.get(id);
    state.leases.delete(id);
    if (lease) releases.push(queue.release(lease, record, now));
  }
  await settleReleases(state, releases);
}

/** `flush()` on a shared queue: polls until no process has anything pending. */
async function flushShared(
  state: NotifierState,
  timeout: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { clock } = state.settings;
  const deadline = timeout === undefined ? Infinity : clock.now() + timeout;
  for (;;) {
    if (signal?.aborted) throw new TelltaleError('TELLTALE_ABORTED', 'flush() was aborted', { cause: signal.reason });
    if (state.closed || (await queueDrained(state))) return;
    if (clock.now() >= deadline)
      throw new TelltaleError('TELLTALE_TIMEOUT', 'flush() timed out with deliveries pending in the shared queue', {
        details: { pending: state.queued },
      });
    // Polled for other processes' deliveries; woken at once by this process's own progress.
    await new Promise<void>((resolve) => {
      const timer = clock.setTimeout(done, 50);
      function done(): void {
        clock.clearTimeout(timer);
        state.progressWaiters.delete(done);
        resolve();
      }
      state.progressWaiters.add(done);
    });
  }
}
