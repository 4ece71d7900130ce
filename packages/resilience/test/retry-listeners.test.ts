import { getEventListeners } from 'node:events';
import { createManualClock } from '@telltale/core';
import { constant, pipeline, retry, timeout } from '@telltale/resilience';
import { describe, expect, it } from 'vitest';

/** An operation that fails once, then succeeds; records the signal each attempt was given. */
function failOnce() {
  const signals: AbortSignal[] = [];
  let calls = 0;
  const operation = ({ signal }: { signal: AbortSignal }): Promise<string> => {
    signals.push(signal);
    return ++calls % 2 === 1 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok');
  };
  return { signals, operation };
}

/** The signal an operation sees when nobody passed one: one never-aborting signal for the process. */
async function neverAbortingSignal(): Promise<AbortSignal> {
  return retry({ maxAttempts: 1 }).execute(({ signal }) => Promise.resolve(signal));
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('retry waits and abort listeners', () => {
  it('puts no listener on the never-aborting signal of calls without a caller signal', async () => {
    // Such calls share one process-wide signal: a listener per waiting retry piled up there
    // (MaxListenersExceededWarning at 11 concurrent waits, in the flaky-upstream test).
    const clock = createManualClock();
    const policy = retry({ maxAttempts: 2, backoff: constant(1_000), clock });
    const runs = Array.from({ length: 20 }, () => failOnce());
    const results = runs.map(({ operation }) => policy.execute(operation));
    await clock.advanceAsync(0); // every call has failed once and is waiting
    const shared = runs[0]!.signals[0]!;
    expect(runs.every(({ signals }) => signals[0] === shared)).toBe(true);
    expect(abortListeners(shared)).toBe(0);
    await clock.advanceAsync(1_000);
    await expect(Promise.all(results)).resolves.toEqual(Array.from({ length: 20 }, () => 'ok'));
    expect(abortListeners(shared)).toBe(0);
  });

  it('does the same when retry wraps a timeout (the flaky-upstream pipeline)', async () => {
    const clock = createManualClock();
    const shared = await neverAbortingSignal();
    const policy = pipeline(
      'listeners',
      retry({ maxAttempts: 2, backoff: constant(1_000), clock }),
      timeout({ duration: 60_000, clock }),
    );
    const results = Array.from({ length: 20 }, () => policy.execute(failOnce().operation));
    await clock.advanceAsync(0);
    expect(abortListeners(shared)).toBe(0);
    await clock.advanceAsync(1_000);
    await expect(Promise.all(results)).resolves.toHaveLength(20);
  });

  it('removes its listener from a long-lived caller signal once each wait ends', async () => {
    const clock = createManualClock();
    const policy = retry({ maxAttempts: 2, backoff: constant(1_000), clock });
    const shutdown = new AbortController();
    // Ten, not more: each waiting retry does listen on the caller's signal (aborting must cut the
    // wait), so eleven would make Node warn about the caller's own signal.
    const results = Array.from({ length: 10 }, () => policy.execute(failOnce().operation, { signal: shutdown.signal }));
    await clock.advanceAsync(0);
    expect(abortListeners(shutdown.signal)).toBe(10);
    await clock.advanceAsync(1_000);
    await Promise.all(results);
    expect(abortListeners(shutdown.signal)).toBe(0);
  });

  it('still rejects a waiting retry at once with TELLTALE_ABORTED when the caller aborts', async () => {
    const clock = createManualClock();
    const policy = retry({ maxAttempts: 2, backoff: constant(1_000), clock });
    const caller = new AbortController();
    const result = policy.execute(failOnce().operation, { signal: caller.signal });
    await clock.advanceAsync(0);
    caller.abort();
    await expect(result).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(abortListeners(caller.signal)).toBe(0);
  });
});
