// Node runs a timer longer than 2^31 - 1 ms (about 24.8 days) after 1 ms instead (with a
// TimeoutOverflowWarning): a retry or pause that far away must be armed in steps, or the lane
// wakes every millisecond. On the manual clock, which records what each timer asked for.
import { createManualClock, type Clock } from '@telltale/core';
import { createNotifier, memoryChannel, NotifyDeliveryError, type Notifier } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const NODE_MAX_TIMER_MS = 2 ** 31 - 1;
const DAY = 86_400_000;

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

describe.each(DELIVERY_PATHS)('timers beyond Node’s limit ($name)', (path) => {
  it('arms no timer longer than 2^31 - 1 ms for a retry 30 days away, and still retries then', async () => {
    const manual = createManualClock({ now: 0 });
    const asked: number[] = [];
    const clock: Clock = {
      now: () => manual.now(),
      setTimeout: (callback, milliseconds, options) => {
        asked.push(milliseconds);
        return manual.setTimeout(callback, milliseconds, options);
      },
      clearTimeout: (handle) => manual.clearTimeout(handle),
    };
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
      retry: { initialDelay: '30d', maxDelay: '30d', jitter: 'none', expireAfter: '60d' },
      ...path.options(),
    });
    notifiers.push(notifier);
    await notifier.send({ subject: 'x' });
    await manual.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(1);
    // Long enough for the shared queue's lane to park (its next wake is then the retry itself).
    await manual.advanceAsync(5_000);
    expect(asked.length).toBeGreaterThan(0);
    expect(Math.max(...asked)).toBeLessThanOrEqual(NODE_MAX_TIMER_MS);
    // The in-process path has no once-a-second refresh, so the manual clock can cross 30 days.
    if (path.name !== 'in-process store') return;
    await manual.advanceAsync(30 * DAY - 5_001);
    expect(inbox.delivered).toHaveLength(0);
    await manual.advanceAsync(1);
    expect(inbox.delivered).toHaveLength(1);
  });
});
