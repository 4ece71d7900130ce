import type { Delivery, DeliveryResult } from '../channel.js';
import type { ChannelThrottle } from '../queue/queue-port.js';
import type { OutboxRecord } from '../store.js';
import { deliveryKey } from './dead-letters.js';
import { onFailed } from './failure-handling.js';
import { sharedQueue, writeDelivered, writeLater } from './outbox-writes.js';
import { awaitClaim, kickFeed } from './queue-feed.js';
import type { Lane } from './lanes.js';
import { settleWaiter } from './outcomes.js';
import { releaseAt } from './recipient-delivery.js';
import { about, checkIdle, emit, type NotifierState } from './state.js';

/**
 * Longest timer Node runs as asked (2^31 - 1 ms, about 24.8 days); a longer one fires after 1 ms.
 * A wait beyond it is armed in steps: the timer fires early and the woken code arms the rest.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `pump(lane)` after `delay`, unless an earlier run is already scheduled. */
export function schedulePump(state: NotifierState, lane: Lane, delay: number): void {
  if (state.closed) return;
  const { clock } = state.settings;
  const at = clock.now() + delay;
  if (lane.timer !== undefined) {
    if (lane.timerAt <= at) return;
    clock.clearTimeout(lane.timer);
  }
  lane.timerAt = at;
  lane.timer = clock.setTimeout(
    () => {
      lane.timer = undefined;
      lane.timerAt = Infinity;
      pump(state, lane);
    },
    Math.min(MAX_TIMER_MS, Math.max(0, delay)),
  );
}

function earliestDelayed(lane: Lane): number {
  let earliest = Infinity;
  for (const record of lane.delayed) if (record.nextAttemptAt < earliest) earliest = record.nextAttemptAt;
  return earliest;
}

function promoteDue(lane: Lane, now: number): void {
  if (lane.delayed.length === 0 || earliestDelayed(lane) > now) return;
  const due = lane.delayed.filter((record) => record.nextAttemptAt <= now);
  lane.delayed = lane.delayed.filter((record) => record.nextAttemptAt > now);
  due.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  for (const record of due) lane.ready.push(record);
}

/** Holds a delivery until `release` (quiet hours): persisted as its next attempt time, so it survives a restart. */
export function defer(state: NotifierState, lane: Lane, record: OutboxRecord, release: number, now: number): void {
  record.nextAttemptAt = release;
  // With a shared queue the queue holds it until then.
  if (!sharedQueue(state)) lane.delayed.push(record);
  else awaitClaim(state, lane, record);
  state.telemetry.delivery(lane.name, 'deferred');
  state.settings.logger.debug(
    { channel: lane.name, deliveryId: record.id, notBefore: new Date(release).toISOString() },
    'notification deferred by quiet hours',
  );
  emit(state, {
    type: 'deferred',
    channel: lane.name,
    ...about(record),
    attempt: record.attempts,
    delayMs: release - now,
    notBefore: release,
  });
}

/** Starts as many due deliveries as the lane's concurrency, rate limit, pause and quiet hours allow. */
export function pump(state: NotifierState, lane: Lane): void {
  if (state.closed) return;
  const now = state.settings.clock.now();
  promoteDue(lane, now);
  // After a rate limit, probe with one delivery until the provider accepts again.
  const limit = lane.rateLimitStreak > 0 ? 1 : lane.concurrency;
  while (lane.inFlight < limit && lane.ready.length > 0) {
    if (now < lane.pausedUntil) {
      schedulePump(state, lane, lane.pausedUntil - now);
      return;
    }
    const record = lane.ready.shift()!;
    // A retry, a redrive or a record loaded after a restart can fall into quiet hours: it waits too.
    const release = releaseAt(state, lane.name, record.message.severity, record.recipient?.id, now);
    if (release > now) {
      defer(state, lane, record, release, now);
      writeLater(state, record);
      continue;
    }
    if (lane.bucket) {
      const wait = lane.bucket.take(now);
      if (wait > 0) {
        lane.ready.unshift(record);
        schedulePump(state, lane, wait);
        return;
      }
    }
    lane.inFlight++;
    inFlightOf(state).set(record.id, record);
    void attempt(state, lane, record);
  }
  if (lane.ready.length === 0 && lane.delayed.length > 0)
    schedulePump(state, lane, Math.max(0, earliestDelayed(lane) - now));
}

/** The records this process is delivering now, so close() can hand a shared queue's back at once. */
const inFlight = new WeakMap<NotifierState, Map<string, OutboxRecord>>();

export function inFlightOf(state: NotifierState): Map<string, OutboxRecord> {
  let records = inFlight.get(state);
  if (!records) inFlight.set(state, (records = new Map<string, OutboxRecord>()));
  return records;
}

async function attempt(state: NotifierState, lane: Lane, record: OutboxRecord): Promise<void> {
  const delivery: Delivery = {
    id: record.id,
    idempotencyKey: deliveryKey(record),
    channel: lane.name,
    message: record.message,
    attempt: record.attempts + 1,
    enqueuedAt: record.enqueuedAt,
    ...(record.fallbackFrom === undefined ? {} : { fallbackFrom: record.fallbackFrom.channel }),
    ...(record.recipient === undefined ? {} : { recipient: record.recipient }),
  };
  const signal = state.abort.signal;
  let result: DeliveryResult | undefined;
  let failure: unknown;
  try {
    // A shared queue's throttle: the rate limit and 429 pauses of every process sending on the channel.
    // (A pause alone is honoured when claiming, so an unlimited channel needs no call here.)
    const throttle = lane.rateLimit === undefined ? undefined : sharedQueue(state)?.throttle;
    if (throttle) await awaitToken(state, throttle, lane, signal);
    const run = (callSignal: AbortSignal): Promise<DeliveryResult> =>
      lane.channel.deliver(delivery, { signal: callSignal });
    result = lane.breaker ? await lane.breaker.execute(run, signal) : await run(signal);
  } catch (error) {
    failure = error;
  }
  // The provider call has settled: from here this process acknowledges or releases it itself.
  inFlightOf(state).delete(record.id);
  if (failure === undefined) {
    // The slot is held until the acknowledgement is written, so a crash can duplicate at most
    // `concurrency` deliveries per channel (those sent but not yet acknowledged).
    await onDelivered(state, lane, record, result ?? {});
    lane.inFlight--;
  } else {
    lane.inFlight--;
    if (state.closed && signal.aborted) {
      // Aborted by close(): the record stays in the store for the next run (with a shared queue,
      // close() has handed it back already, before it closed the queue).
      const lease = state.leases.get(record.id);
      state.leases.delete(record.id);
      const queue = sharedQueue(state);
      if (queue && lease) queue.release(lease, record, state.settings.clock.now()).catch(() => {});
      state.queued--;
      checkIdle(state);
      return;
    }
    onFailed(state, lane, record, failure);
  }
  pump(state, lane);
  // With a shared queue, a freed slot asks for more work at once rather than at the next poll.
  if (lane.ready.length === 0 && sharedQueue(state)) kickFeed(state, lane);
  checkIdle(state);
}

/** Resolves once the acknowledgement is written (a failed write is logged, not thrown). */
function onDelivered(state: NotifierState, lane: Lane, record: OutboxRecord, result: DeliveryResult): Promise<void> {
  const { clock, logger } = state.settings;
  const now = clock.now();
  state.queued--;
  lane.rateLimitStreak = 0;
  const acknowledged = writeDelivered(state, record);
  state.telemetry.delivery(lane.name, 'delivered');
  state.telemetry.latency(lane.name, Math.max(0, now - record.enqueuedAt) / 1000);
  logger.debug({ channel: lane.name, deliveryId: record.id, attempt: record.attempts + 1 }, 'notification delivered');
  // The hot path: build the event only for listeners.
  if (state.events.size > 0)
    emit(state, {
      type: 'delivered',
      channel: lane.name,
      ...about(record),
      attempt: record.attempts + 1,
      ...(record.fallbackFrom === undefined ? {} : { fallbackFrom: record.fallbackFrom.channel }),
    });
  settleWaiter(state, record, result, undefined);
  return acknowledged;
}

/** Waits until the shared throttle grants `lane` a token (every process draws from one bucket). */
async function awaitToken(
  state: NotifierState,
  throttle: ChannelThrottle,
  lane: Lane,
  signal: AbortSignal,
): Promise<void> {
  const { clock } = state.settings;
  for (;;) {
    const wait = await throttle.acquire(lane.name, lane.rateLimit, clock.now());
    if (wait <= 0) return;
    if (signal.aborted) throw signal.reason;
    await new Promise<void>((resolve) => {
      const timer = clock.setTimeout(done, wait);
      function done(): void {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
