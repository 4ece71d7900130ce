import { TelltaleError, type TimerHandle } from '@telltale/core';
import { pump } from './delivery-loop.js';
import type { Lane } from './lanes.js';
import { sharedQueue } from './outbox-writes.js';
import { settleWaiter } from './outcomes.js';
import { checkIdle, type NotifierState } from './state.js';
import { toDeadLetter } from './dead-letters.js';

// With a shared queue (several processes on one Redis), each process claims due deliveries
// for its lanes instead of holding the working set: a claim loop per lane, a refresh of the
// dead letters every process shows, and remote outcomes for `await: 'delivered'`.

/** How often an idle lane asks the queue for due work. */
export const CLAIM_INTERVAL_MS = 100;
/** How long a claim holds before another process may take the delivery over. */
export const DEFAULT_LEASE_MS = 60_000;
/** How often the dead letters and remote outcomes are refreshed. */
const REFRESH_INTERVAL_MS = 1000;
/** Most wait between claims while the queue fails (Redis down). */
const MAX_CLAIM_BACKOFF_MS = 2000;

interface Feed {
  running: boolean;
  again: boolean;
  timer: TimerHandle | undefined;
  failures: number;
}

const feeds = new WeakMap<Lane, Feed>();

/** Asks the queue for `lane`'s due work now (after an enqueue), unless a claim is under way. */
export function kickFeed(state: NotifierState, lane: Lane): void {
  const feed = feeds.get(lane);
  if (!feed || state.closed) return;
  if (feed.running) {
    feed.again = true;
    return;
  }
  if (feed.timer !== undefined) state.settings.clock.clearTimeout(feed.timer);
  feed.timer = undefined;
  void claimFor(state, lane, feed);
}

function schedule(state: NotifierState, lane: Lane, feed: Feed, delay: number): void {
  if (state.closed || state.closing) return;
  // Background: an idle notifier must not keep the process alive for its polling.
  feed.timer = state.settings.clock.setTimeout(
    () => {
      feed.timer = undefined;
      void claimFor(state, lane, feed);
    },
    delay,
    { background: true },
  );
}

async function claimFor(state: NotifierState, lane: Lane, feed: Feed): Promise<void> {
  const queue = sharedQueue(state)!;
  const { clock, logger } = state.settings;
  const room = (lane.rateLimitStreak > 0 ? 1 : lane.concurrency) - lane.inFlight - lane.ready.length;
  if (state.closing || lane.disabled !== undefined || room <= 0 || clock.now() < lane.pausedUntil) {
    schedule(state, lane, feed, CLAIM_INTERVAL_MS);
    return;
  }
  feed.running = true;
  feed.again = false;
  let claimed = 0;
  try {
    const now = clock.now();
    const claims = await queue.claim({ channel: lane.name, limit: room, leaseMs: state.leaseMs, now });
    claimed = claims.length;
    feed.failures = 0;
    for (const { record, lease } of claims) {
      if (state.closed) break;
      state.leases.set(record.id, lease);
      state.queued++;
      lane.ready.push(record);
    }
    if (claimed > 0) pump(state, lane);
  } catch (error) {
    feed.failures++;
    if (feed.failures === 1 || feed.failures % 50 === 0)
      logger.warn({ err: error, channel: lane.name }, 'notify: claiming from the shared queue failed (retrying)');
  } finally {
    feed.running = false;
  }
  // Asked again meanwhile (an enqueue here), or a full claim suggests more is due: claim at once.
  if (feed.again || (claimed >= room && claimed > 0)) {
    if (!state.closing) void claimFor(state, lane, feed);
    return;
  }
  const delay =
    feed.failures > 0 ? Math.min(MAX_CLAIM_BACKOFF_MS, CLAIM_INTERVAL_MS * 2 ** feed.failures) : CLAIM_INTERVAL_MS;
  schedule(state, lane, feed, delay);
}

/** Starts claiming for every lane, and refreshing dead letters and remote outcomes. */
export function startFeeds(state: NotifierState): void {
  for (const lane of state.lanes.values()) {
    const feed: Feed = { running: false, again: false, timer: undefined, failures: 0 };
    feeds.set(lane, feed);
    void claimFor(state, lane, feed);
  }
  const renew = (): void => {
    if (state.closed) return;
    void renewLeases(state).finally(() => {
      state.renewTimer = state.settings.clock.setTimeout(renew, Math.max(50, state.leaseMs / 3), {
        background: true,
      });
    });
  };
  renew();
  const tick = (): void => {
    if (state.closing) return;
    void refresh(state).finally(() => {
      state.refreshTimer = state.settings.clock.setTimeout(tick, REFRESH_INTERVAL_MS, { background: true });
    });
  };
  tick();
}

/** Stops the claim loops (close). */
export function stopFeeds(state: NotifierState): void {
  for (const lane of state.lanes.values()) {
    const feed = feeds.get(lane);
    if (feed?.timer !== undefined) state.settings.clock.clearTimeout(feed.timer);
  }
  if (state.refreshTimer !== undefined) state.settings.clock.clearTimeout(state.refreshTimer);
  if (state.renewTimer !== undefined) state.settings.clock.clearTimeout(state.renewTimer);
}

/** Mirrors the queue's dead letters into the lanes (so `deadLetters()` shows every process's) and settles remote outcomes. */
export async function refresh(state: NotifierState): Promise<void> {
  const queue = sharedQueue(state)!;
  try {
    const dead = await queue.list({ state: 'dead' });
    for (const lane of state.lanes.values()) lane.dead.clear();
    for (const record of dead) state.lanes.get(record.channel)?.dead.set(record.id, record);
    const watched = [...state.trackers.values()]
      .filter((tracker) => tracker.listeners.size > 0)
      .flatMap((tracker) => [...tracker.remaining]);
    if (watched.length === 0) return;
    const status = await queue.status(watched);
    for (const tracker of [...state.trackers.values()]) {
      for (const id of [...tracker.remaining]) {
        // Delivered or dead-lettered by another process: settle the local waiter the same way.
        if (status[id] === 'pending' || state.leases.has(id)) continue;
        const known = tracker.records.get(id);
        if (!known) continue;
        const buried = dead.find((candidate) => candidate.id === id);
        settleWaiter(state, buried ?? known, buried ? undefined : {}, buried ? toDeadLetter(buried) : undefined);
      }
    }
  } catch (error) {
    state.settings.logger.debug({ err: error }, 'notify: refreshing from the shared queue failed');
  } finally {
    checkIdle(state);
  }
}

/** With a shared queue, `flush()` waits until the queue holds nothing pending (any process's). */
export async function queueDrained(state: NotifierState): Promise<boolean> {
  const queue = sharedQueue(state)!;
  if (state.queued > 0 || state.accepting > 0) return false;
  try {
    return (await queue.list({ state: 'pending' })).length === 0;
  } catch (error) {
    throw TelltaleError.is(error) ? error : new TelltaleError('TELLTALE_NOTIFY_STORE_UNAVAILABLE', String(error));
  }
}

/** Keeps this process's claims (waiting for a token, or in flight) from being taken over while it lives. */
async function renewLeases(state: NotifierState): Promise<void> {
  if (state.leases.size === 0) return;
  const queue = sharedQueue(state)!;
  const held = [...state.leases.values()];
  try {
    const renewed = await queue.renew(held, state.leaseMs, state.settings.clock.now());
    // Set only where the claim is still ours here (it may have ended meanwhile).
    for (const lease of renewed)
      if (state.leases.get(lease.id)?.token === lease.token) state.leases.set(lease.id, lease);
    const renewedIds = new Set(renewed.map((lease) => lease.id));
    const lost = held.filter((lease) => !renewedIds.has(lease.id) && state.leases.get(lease.id)?.token === lease.token);
    if (lost.length > 0)
      state.settings.logger.warn(
        { lost: lost.length },
        'notify: some claims expired before they could be renewed; another process may deliver them too',
      );
  } catch (error) {
    state.settings.logger.debug({ err: error }, 'notify: renewing claims failed');
  }
}
