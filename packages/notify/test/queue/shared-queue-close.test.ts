// close() on a shared queue (src/delivery/lifecycle.ts, queue-feed.ts) while the queue is still
// answering: a claim granted after close() began is handed back, not left to its lease, and no
// refresh or renewal timer is armed after close(); and a fallback copy whose write is still under
// way is not taken for one delivered elsewhere; a delivery aborted by close() is handed back
// before the queue closes. On the manual clock.
import { createManualClock } from '@telltale/core';
import {
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  type DeliveryQueue,
  type Notifier,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedMemoryQueue } from '../support/shared-memory-queue.js';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

/** A gate: `wait()` resolves once `open()` is called. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

/** Lets queued promise callbacks run. */
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
};

describe('shared queue: close() with queue calls under way', () => {
  it('hands back a claim whose reply arrives after close() began (not left held until its lease expires)', async () => {
    const clock = createManualClock({ now: 0 });
    const queue = sharedMemoryQueue();
    const reply = gate();
    let holdReplies = false;
    let claimsAnswered = 0;
    const slow: DeliveryQueue = {
      ...queue,
      // The queue grants the claim at once; its reply reaches the notifier only when the gate opens.
      claim: async (options) => {
        const claims = await queue.claim(options);
        if (holdReplies && claims.length > 0) await reply.wait();
        claimsAnswered++;
        return claims;
      },
      close: () => Promise.resolve(),
    };
    const inbox = memoryChannel();
    const notifier = createNotifier({ channels: { inbox }, clock, breaker: false, store: slow });
    await clock.advanceAsync(0);
    holdReplies = true;
    await notifier.send({ subject: 'granted during close' });
    await settle();
    const answeredBefore = claimsAnswered;
    const closed = notifier.close({ timeout: 0 });
    await settle();
    reply.open();
    await closed;
    await settle();
    expect(claimsAnswered).toBeGreaterThan(answeredBefore);
    expect(inbox.attempts).toHaveLength(0);
    // Another replica can take it at once (its lease is 60 s).
    const taken = await queue.claim({ channel: 'inbox', limit: 10, leaseMs: 60_000, now: clock.now() });
    expect(taken.map(({ record }) => record.message.subject)).toEqual(['granted during close']);
  });

  it('arms no refresh timer after close() when a refresh was under way', async () => {
    const clock = createManualClock({ now: 0 });
    const queue = sharedMemoryQueue();
    const listed = gate();
    let holdLists = false;
    let listsStarted = 0;
    const slow: DeliveryQueue = {
      ...queue,
      list: async (options) => {
        listsStarted++;
        if (holdLists) await listed.wait();
        return queue.list(options);
      },
    };
    const notifier = createNotifier({ channels: { inbox: memoryChannel() }, clock, breaker: false, store: slow });
    await clock.advanceAsync(0);
    holdLists = true;
    const before = listsStarted;
    // The next refresh starts and waits on the queue.
    await clock.advanceAsync(1_000);
    expect(listsStarted).toBe(before + 1);
    const closed = notifier.close({ timeout: 0 });
    await settle();
    listed.open();
    await closed;
    await settle();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('arms no lease-renewal timer after close() when a renewal was under way', async () => {
    const clock = createManualClock({ now: 0 });
    const queue = sharedMemoryQueue();
    const renewed = gate();
    let renewals = 0;
    const slow: DeliveryQueue = {
      ...queue,
      renew: async (...args) => {
        renewals++;
        await renewed.wait();
        return queue.renew(...args);
      },
    };
    // A delivery that stays in flight, so its lease is renewed.
    let finish = (): void => {};
    const inbox = memoryChannel({ behavior: () => new Promise<void>((resolve) => (finish = resolve)) });
    const notifier = createNotifier({ channels: { inbox }, clock, breaker: false, store: slow });
    await notifier.send({ subject: 'slow' });
    await clock.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(1);
    // Renewal runs every lease / 3 (20 s for the default minute).
    await clock.advanceAsync(20_000);
    expect(renewals).toBe(1);
    finish();
    await settle();
    const closed = notifier.close({ timeout: 0 });
    await settle();
    renewed.open();
    await closed;
    await settle();
    expect(clock.pendingTimers()).toBe(0);
  });
});

/**
 * A notifier whose `ops` channel refuses every message, falling back to `email`, on a queue
 * whose writes of new records (the fallback copy's `add`) land only when `stored` opens.
 */
function fallbackWhileStoring() {
  const clock = createManualClock({ now: 0 });
  const queue = sharedMemoryQueue();
  const stored = gate();
  const slow: DeliveryQueue = {
    ...queue,
    add: async (records) => {
      await stored.wait();
      return queue.add(records);
    },
  };
  const ops = memoryChannel({
    behavior: () => {
      throw new NotifyDeliveryError('no', { classification: 'permanent', provider: 'memory', status: 400 });
    },
  });
  const email = memoryChannel({ addressesPeople: true });
  const notifier = createNotifier({
    channels: { ops, email },
    fallbacks: { ops: 'email' },
    clock,
    breaker: false,
    store: slow,
  });
  notifiers.push(notifier);
  return { clock, stored, ops, email, notifier };
}

describe('shared queue: a fallback copy while it is being stored', () => {
  it('is not settled as delivered by the refresh before the queue holds it', async () => {
    const { clock, stored, ops, email, notifier } = fallbackWhileStoring();
    let outcome: 'delivered' | 'failed' | undefined;
    const sent = notifier.send({ to: ['oncall@example.com'], subject: 'x' }, { channels: ['ops'], await: 'delivered' });
    sent.then(
      () => (outcome = 'delivered'),
      () => (outcome = 'failed'),
    );
    await clock.advanceAsync(0);
    expect(ops.attempts).toHaveLength(1);
    // Refreshes run while the copy is still being written: the queue reports it unknown ('done').
    await clock.advanceAsync(2_000);
    await settle();
    expect(email.delivered).toHaveLength(0);
    expect(outcome).toBeUndefined();
    expect(notifier.stats().email?.pending).toBe(1);
    stored.open();
    await clock.advanceAsync(0);
    const receipt = await sent;
    expect(email.delivered).toHaveLength(1);
    expect(Object.keys(receipt.results ?? {})).toEqual(['email']);
  });

  it('keeps flush() waiting until the copy is stored and delivered', async () => {
    const { clock, stored, ops, email, notifier } = fallbackWhileStoring();
    await notifier.send({ to: ['oncall@example.com'], subject: 'x' }, { channels: ['ops'] });
    await clock.advanceAsync(0);
    expect(ops.attempts).toHaveLength(1);
    let flushed = false;
    const flushing = notifier.flush().then(() => (flushed = true));
    await clock.advanceAsync(500);
    await settle();
    expect(flushed).toBe(false);
    stored.open();
    await clock.advanceAsync(0);
    await clock.advanceAsync(100);
    await flushing;
    expect(email.delivered).toHaveLength(1);
  });
});

describe('shared queue: close() with a delivery in flight', () => {
  it('hands the aborted delivery back before it closes the queue (not left held until its lease expires)', async () => {
    const clock = createManualClock({ now: 0 });
    const queue = sharedMemoryQueue();
    let queueClosed = false;
    const closing: DeliveryQueue = {
      ...queue,
      // Like Redis after quit: a call once the queue is closed fails.
      release: (...args) => (queueClosed ? Promise.reject(new Error('Connection is closed')) : queue.release(...args)),
      close: () => {
        queueClosed = true;
        return Promise.resolve();
      },
    };
    // Honours the abort, as a real provider call does: a turn of the event loop later.
    const inbox = memoryChannel({
      behavior: (_delivery, { signal }) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => setImmediate(() => reject(signal.reason as Error)), { once: true }),
        ),
    });
    const notifier = createNotifier({ channels: { inbox }, clock, breaker: false, store: closing });
    await notifier.send({ subject: 'in flight at close' });
    await clock.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(1);
    await notifier.close({ timeout: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    await settle();
    const taken = await queue.claim({ channel: 'inbox', limit: 10, leaseMs: 60_000, now: clock.now() });
    expect(taken.map(({ record }) => record.message.subject)).toEqual(['in flight at close']);
  });
});
