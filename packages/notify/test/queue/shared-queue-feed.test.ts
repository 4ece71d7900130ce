// How a notifier on a shared queue finds its work (src/delivery/queue-feed.ts): its own retries
// and deferrals are claimed at their due time even after its lanes went idle, and an idle
// notifier picks up what another one stored within a second. On the manual clock.
import { createManualClock } from '@telltale/core';
import { createNotifier, memoryChannel, NotifyDeliveryError, type Notifier } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedMemoryQueue } from '../support/shared-memory-queue.js';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

describe('shared queue: when a notifier claims', () => {
  it('claims its own retry at its due time, after its lane went idle and stopped polling', async () => {
    const clock = createManualClock({ now: 0 });
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () => {
        if (++calls === 1)
          throw new NotifyDeliveryError('busy', { classification: 'retryable', provider: 'memory', status: 503 });
      },
    });
    const notifier = createNotifier({
      channels: { inbox },
      clock,
      breaker: false,
      store: sharedMemoryQueue(),
      // Not a multiple of any poll or refresh period.
      retry: { initialDelay: 4_321, jitter: 'none' },
    });
    notifiers.push(notifier);
    await notifier.send({ subject: 'x' });
    await clock.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(1);
    expect(notifier.stats().inbox).toMatchObject({ pending: 1, inFlight: 0 });
    await clock.advanceAsync(4_320);
    expect(inbox.attempts).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(inbox.delivered).toHaveLength(1);
    expect(notifier.stats().inbox).toMatchObject({ pending: 0 });
  });

  it('leaves a parked idle lane without a timer on the real clock: only the once-a-second refresh claims', async () => {
    const queue = sharedMemoryQueue();
    let claims = 0;
    const counted = {
      ...queue,
      claim: (...args: Parameters<typeof queue.claim>) => {
        claims++;
        return queue.claim(...args);
      },
    };
    const notifier = createNotifier({ channels: { inbox: memoryChannel() }, breaker: false, store: counted });
    notifiers.push(notifier);
    // The idle backoff (100 ms doubling to 1 s) has parked the lane well before 2.5 s.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const before = claims;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // One refresh a second, plus timing slack; a lane re-armed with Infinity (1 ms in Node) claims hundreds of times.
    expect(claims - before).toBeLessThanOrEqual(3);
  });

  it('picks up, within a second, what another notifier on the queue stored and could not take', async () => {
    const clock = createManualClock({ now: 0 });
    const queue = sharedMemoryQueue();
    const shared = { ...queue, close: () => Promise.resolve() };
    let release = (): void => {};
    const stuck = memoryChannel({
      concurrency: 1,
      behavior: () => new Promise<void>((resolve) => (release = resolve)),
    });
    const idle = memoryChannel({ concurrency: 1 });
    const busy = createNotifier({ channels: { inbox: stuck }, clock, breaker: false, store: shared });
    const other = createNotifier({ channels: { inbox: idle }, clock, breaker: false, store: shared });
    notifiers.push(other, busy);
    // Long enough for the other notifier's lane to have gone idle (no timer of its own).
    await clock.advanceAsync(10_000);
    await busy.send({ subject: 'first' });
    await clock.advanceAsync(0);
    expect(stuck.attempts).toHaveLength(1);
    await busy.send({ subject: 'second' });
    await clock.advanceAsync(1_000);
    expect(idle.delivered.map((delivery) => delivery.message.subject)).toEqual(['second']);
    release();
  });
});
