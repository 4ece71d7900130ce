import type { TimerHandle } from '@telltale/core';
import { MAX_TIMER_MS, pump } from './delivery-loop.js';
import type { OutboxRecord } from '../store.js';
import type { Lane } from './lanes.js';
import { beingStored, sharedQueue } from './outbox-writes.js';
import { renewLeases } from './queue-upkeep.js';
import { settleWaiter } from './outcomes.js';
import { checkIdle, type NotifierState } from './state.js';
import { toDeadLetter } from './dead-letters.js';

// With a shared queue (several processes on one Redis), each process claims due deliveries
// for its lanes instead of holding the working set: a claim loop per lane, a refresh of the
// dead letters every process shows, and remote outcomes for `await: 'delivered'`.

/** How often a lane asks the queue for due work while claims find some. */
export const CLAIM_INTERVAL_MS = 100;
/**
 * Longest wait between claims of a lane whose claims keep finding nothing (doubling from
 * `CLAIM_INTERVAL_MS`); there the lane is parked and claimed for by the refresh, once a second
 * for every parked lane (one timer, not one per lane). Another process's work is picked up
 * within it; this process's own sends, retries and deferrals do not wait for a poll (see
 * `awaitClaim`).
 */
const MAX_IDLE_CLAIM_MS = 1000;
/** How long a claim holds before another process may take the delivery over. */
export const DEFAULT_LEASE_MS = 60_000;
/** How often the dead letters and remote outcomes are refreshed. */
const REFRESH_INTERVAL_MS = 1000;
/** Most wait between claims while the queue fails (Redis down). */
const MAX_CLAIM_BACKOFF_MS = 2000;

interface Feed {
  running: boolean;
  /** Settles once the claim under way (if `running`) has put what it took in the lane. */
  claim: Promise<void>;
  again: boolean;
  timer: TimerHandle | undefined;
  /** When `timer` fires (Infinity without one). */
  timerAt: number;
  /**
   * Deliveries this process stored in the queue (sent, retried, deferred, fallen back) and has not
   * seen claimed or ended, id → due time: counted as pending here, and claimed when due rather
   * than at the next poll.
   */
  waiting: Map<string, number>;
  failures: number;
  /** Claims in a row that found nothing. */
  idle: number;
  /** Idle: the refresh claims for it (its timer, if any, is a wake for its own waiting work). */
  parked: boolean;
}

const feeds = new WeakMap<Lane, Feed>();

/**
 * Asks the queue for `lane`'s due work now (after an enqueue), unless a claim is under way;
 * `record`, just stored, counts as pending here until claimed.
 */
export function kickFeed(state: NotifierState, lane: Lane, record?: OutboxRecord): void {
  const feed = feeds.get(lane);
  if (!feed || state.closed) return;
  if (record) feed.waiting.set(record.id, record.nextAttemptAt);
  feed.idle = 0;
  if (feed.running) {
    feed.again = true;
    return;
  }
  if (feed.timer !== undefined) state.settings.clock.clearTimeout(feed.timer);
  feed.timer = undefined;
  feed.timerAt = Infinity;
  feed.parked = false;
  void claimFor(state, lane, feed);
}

/**
 * Notes `record`, stored in the queue by this process for `record.nextAttemptAt` (a retry, a
 * pause, quiet hours), as pending here, and asks the queue for `lane`'s work at that time.
 */
export function awaitClaim(state: NotifierState, lane: Lane, record: OutboxRecord): void {
  const feed = feeds.get(lane);
  if (!feed || state.closed || state.closing) return;
  const at = record.nextAttemptAt;
  feed.waiting.set(record.id, at);
  // A claim under way schedules its next turn from the waiting deliveries.
  if (!feed.running && at > state.settings.clock.now() && at < feed.timerAt) arm(state, lane, feed, at, false);
}

/** Deliveries this process stored in the queue for `lane` and has not seen claimed or ended. */
export function waitingCount(lane: Lane): number {
  return feeds.get(lane)?.waiting.size ?? 0;
}

/**
 * The next claim: after `delay` (the poll; an idle lane is parked instead, for the refresh to
 * claim for), or at the due time of this process's next waiting delivery if that is earlier.
 */
function schedule(state: NotifierState, lane: Lane, feed: Feed, delay: number): void {
  const { clock } = state.settings;
  if (state.closed || state.closing) return;
  const now = clock.now();
  let next = Infinity;
  for (const due of feed.waiting.values()) if (due > now && due < next) next = due;
  feed.parked = delay >= MAX_IDLE_CLAIM_MS && feed.failures === 0;
  const poll = feed.parked ? Infinity : now + delay;
  // Both Infinity (parked, nothing of ours waiting): no timer — Node would run Infinity as 1 ms.
  if (next !== Infinity && next <= poll) return arm(state, lane, feed, next, false);
  if (poll !== Infinity) return arm(state, lane, feed, poll, true);
  if (feed.timer !== undefined) clock.clearTimeout(feed.timer);
  feed.timer = undefined;
  feed.timerAt = Infinity;
}

/**
 * The claim timer. Polling runs in the background (an idle notifier must not keep the process
 * alive); waking for this process's own waiting work does not, as its in-process store's timers.
 */
function arm(state: NotifierState, lane: Lane, feed: Feed, at: number, background: boolean): void {
  const { clock } = state.settings;
  if (feed.timer !== undefined) clock.clearTimeout(feed.timer);
  feed.timerAt = at;
  feed.timer = clock.setTimeout(
    () => {
      feed.timer = undefined;
      feed.timerAt = Infinity;
      // A claim under way (the refresh's, for a parked lane) claims again when it ends.
      if (feed.running) feed.again = true;
      else void claimFor(state, lane, feed);
    },
    Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now())),
    { background },
  );
}

async function claimFor(state: NotifierState, lane: Lane, feed: Feed): Promise<void> {
  const queue = sharedQueue(state)!;
  const { clock, logger } = state.settings;
  const room = (lane.rateLimitStreak > 0 ? 1 : lane.concurrency) - lane.inFlight - lane.ready.length;
  if (state.closing || lane.disabled !== undefined || room <= 0 || clock.now() < lane.pausedUntil) {
    // A disabled channel waits for a redrive (which kicks it): parked meanwhile.
    schedule(state, lane, feed, lane.disabled === undefined ? CLAIM_INTERVAL_MS : MAX_IDLE_CLAIM_MS);
    return;
  }
  feed.running = true;
  feed.again = false;
  let claimEnded = (): void => {};
  feed.claim = new Promise<void>((resolve) => (claimEnded = resolve));
  let claimed = 0;
  try {
    const now = clock.now();
    const claims = await queue.claim({ channel: lane.name, limit: room, leaseMs: state.leaseMs, now });
    claimed = claims.length;
    feed.failures = 0;
    feed.idle = claimed > 0 ? 0 : feed.idle + 1;
    // Taken even once close() began: its handBack() waits for this claim and returns them to the queue.
    for (const { record, lease } of claims) {
      state.leases.set(record.id, lease);
      feed.waiting.delete(record.id);
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
    claimEnded();
  }
  // Asked again meanwhile (an enqueue here), or a full claim suggests more is due: claim at once.
  if (feed.again || (claimed >= room && claimed > 0)) {
    if (!state.closing) void claimFor(state, lane, feed);
    return;
  }
  const delay =
    feed.failures > 0
      ? Math.min(MAX_CLAIM_BACKOFF_MS, CLAIM_INTERVAL_MS * 2 ** feed.failures)
      : Math.min(MAX_IDLE_CLAIM_MS, CLAIM_INTERVAL_MS * 2 ** Math.max(0, feed.idle - 1));
  schedule(state, lane, feed, delay);
}

/** Starts claiming for every lane, and refreshing dead letters and remote outcomes. */
export function startFeeds(state: NotifierState): void {
  for (const lane of state.lanes.values()) {
    const feed: Feed = {
      running: false,
      claim: Promise.resolve(),
      again: false,
      timer: undefined,
      timerAt: Infinity,
      waiting: new Map(),
      failures: 0,
      idle: 0,
      parked: false,
    };
    feeds.set(lane, feed);
    void claimFor(state, lane, feed);
  }
  const renew = (): void => {
    if (state.closed) return;
    void renewLeases(state).finally(() => {
      if (state.closed) return;
      state.renewTimer = state.settings.clock.setTimeout(renew, Math.max(50, state.leaseMs / 3), {
        background: true,
      });
    });
  };
  renew();
  const tick = (): void => {
    if (state.closing) return;
    for (const lane of state.lanes.values()) {
      const feed = feeds.get(lane);
      if (feed?.parked && !feed.running) {
        feed.parked = false;
        void claimFor(state, lane, feed);
      }
    }
    void refresh(state).finally(() => {
      if (state.closing) return;
      state.refreshTimer = state.settings.clock.setTimeout(tick, REFRESH_INTERVAL_MS, { background: true });
    });
  };
  tick();
}

/** Stops the claim loops (close); resolves once the claims under way have put what they took in their lanes. */
export function stopFeeds(state: NotifierState): Promise<void> {
  const claims: Promise<void>[] = [];
  for (const lane of state.lanes.values()) {
    const feed = feeds.get(lane);
    if (feed?.timer !== undefined) state.settings.clock.clearTimeout(feed.timer);
    if (feed?.running) claims.push(feed.claim);
  }
  if (state.refreshTimer !== undefined) state.settings.clock.clearTimeout(state.refreshTimer);
  if (state.renewTimer !== undefined) state.settings.clock.clearTimeout(state.renewTimer);
  return Promise.all(claims).then(() => {});
}

/** Mirrors the queue's dead letters into the lanes (so `deadLetters()` shows every process's) and settles remote outcomes. */
export async function refresh(state: NotifierState): Promise<void> {
  const queue = sharedQueue(state)!;
  try {
    const dead = await queue.list({ state: 'dead' });
    for (const lane of state.lanes.values()) lane.dead.clear();
    for (const record of dead) state.lanes.get(record.channel)?.dead.set(record.id, record);
    const waiting = [...state.lanes.values()].flatMap((lane) => [...(feeds.get(lane)?.waiting.keys() ?? [])]);
    const watched = [...state.trackers.values()]
      .filter((tracker) => tracker.listeners.size > 0)
      .flatMap((tracker) => [...tracker.remaining]);
    if (watched.length === 0 && waiting.length === 0) return;
    const status = await queue.status([...new Set([...watched, ...waiting])]);
    // Ended in any process (delivered or dead-lettered): no longer pending here. Unknown to the
    // queue while this process still writes it (a fallback's copy): not ended.
    const ended = (id: string): boolean =>
      status[id] !== undefined && status[id] !== 'pending' && !state.leases.has(id) && !beingStored(state, id);
    for (const lane of state.lanes.values()) {
      const feed = feeds.get(lane);
      for (const id of feed?.waiting.keys() ?? []) if (ended(id)) feed!.waiting.delete(id);
    }
    for (const tracker of [...state.trackers.values()]) {
      for (const id of [...tracker.remaining]) {
        // Delivered or dead-lettered by another process: settle the local waiter the same way.
        if (!ended(id)) continue;
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
