import { createManualClock, TelltaleError } from '@telltale/core';
import { bulkhead, circuitBreaker, pipeline, type CircuitBreakerPolicy } from '@telltale/resilience';
import { afterEach, describe, expect, it } from 'vitest';

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}
const notFound = (): Promise<never> => Promise.reject(new HttpError(404));
const unavailable = (): Promise<never> => Promise.reject(new HttpError(503));
const ok = (): Promise<string> => Promise.resolve('ok');
/** Counts 5xx and other errors, not 4xx (the README's example). */
const serverErrorsOnly = (error: unknown): boolean => !(error instanceof HttpError && error.status < 500);

const breakers: CircuitBreakerPolicy[] = [];
afterEach(async () => {
  for (const breaker of breakers.splice(0)) await breaker.close();
});

function breakerFor(options: Parameters<typeof circuitBreaker>[0]): CircuitBreakerPolicy {
  const breaker = circuitBreaker({ name: 'api', clock: createManualClock({ now: 1_000_000 }), ...options });
  breakers.push(breaker);
  return breaker;
}

/** Runs `count` calls through `policy`, each rejected by the bulkhead while `hold` occupies its only slot. */
async function bulkheadRefusals(policy: { execute: (fn: () => Promise<string>) => Promise<string> }, count: number) {
  const errors = await Promise.all(
    Array.from({ length: count }, () => policy.execute(ok).catch((error: unknown) => error)),
  );
  for (const error of errors) expect(error).toMatchObject({ code: 'TELLTALE_BULKHEAD_REJECTED' });
}

describe('circuitBreaker failure ratio: what counts', () => {
  it('counts local refusals (bulkhead rejections) as neither calls nor failures', async () => {
    const breaker = breakerFor({ minimumThroughput: 10, failureRatio: 0.5, window: '10s' });
    const limiter = bulkhead({ concurrency: 1, queue: 0 });
    const guarded = pipeline('guarded', breaker, limiter);
    let release!: () => void;
    const holder = guarded.execute(() => new Promise<string>((resolve) => (release = () => resolve('held'))));
    await bulkheadRefusals(guarded, 90);
    expect(breaker.toJSON().window).toEqual({ calls: 0, failures: 0, successes: 0 });
    release();
    await expect(holder).resolves.toBe('held');
    expect(breaker.toJSON().window).toEqual({ calls: 1, failures: 0, successes: 1 });

    for (let index = 0; index < 9; index++) {
      await expect(guarded.execute(unavailable)).rejects.toMatchObject({ status: 503 });
    }
    // 9 failures of 10 calls: the refusals did not dilute the ratio.
    expect(breaker.state).toBe('open');
    await expect(guarded.execute(ok)).rejects.toMatchObject({ code: 'TELLTALE_CIRCUIT_OPEN' });
  });

  it('opens after 90 refusals and 10 real failures (the refusals no longer count as 90 successes)', async () => {
    const breaker = breakerFor({ minimumThroughput: 10, failureRatio: 0.5 });
    const limiter = bulkhead({ concurrency: 1, queue: 0 });
    const guarded = pipeline('guarded', breaker, limiter);
    // The bulkhead slot is held by a call outside the breaker, so every call through `guarded` is refused.
    let release!: () => void;
    const holder = limiter.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await bulkheadRefusals(guarded, 90);
    release();
    await holder;
    for (let index = 0; index < 9; index++) await guarded.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('closed'); // 9 calls: below minimumThroughput
    expect(breaker.toJSON().window).toEqual({ calls: 9, failures: 9, successes: 0 });
    await guarded.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('open'); // 10 failures / 10 calls
  });

  it('counts caller aborts as neither calls nor failures', async () => {
    const breaker = breakerFor({ minimumThroughput: 4, failureRatio: 0.5 });
    for (let index = 0; index < 6; index++) {
      const controller = new AbortController();
      const pending = breaker.execute(
        ({ signal }) =>
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new TelltaleError('TELLTALE_ABORTED', 'caller left'))),
          ),
        { signal: controller.signal },
      );
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    }
    await breaker.execute(ok);
    await breaker.execute(ok);
    expect(breaker.toJSON().window).toEqual({ calls: 2, failures: 0, successes: 2 });
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('closed'); // 1 of 3 calls, below minimumThroughput
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('open'); // 2 of 4: the aborts did not count as successes
  });

  it('counts errors isFailure ignores as neither calls nor failures', async () => {
    const breaker = breakerFor({ minimumThroughput: 10, failureRatio: 0.5, isFailure: serverErrorsOnly });
    for (let index = 0; index < 90; index++) {
      await expect(breaker.execute(notFound)).rejects.toMatchObject({ status: 404 });
    }
    expect(breaker.toJSON().window).toEqual({ calls: 0, failures: 0, successes: 0 });
    for (let index = 0; index < 9; index++) await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('counts successes and failures that settle in the window', async () => {
    const breaker = breakerFor({ minimumThroughput: 100, isFailure: serverErrorsOnly });
    for (let index = 0; index < 3; index++) await breaker.execute(ok);
    for (let index = 0; index < 2; index++) await breaker.execute(unavailable).catch(() => {});
    await breaker.execute(notFound).catch(() => {});
    expect(breaker.toJSON().window).toEqual({ calls: 5, failures: 2, successes: 3 });
  });

  it('opens when the ratio reaches failureRatio exactly, not only when it exceeds it', async () => {
    const breaker = breakerFor({ minimumThroughput: 10, failureRatio: 0.3 });
    for (let index = 0; index < 7; index++) await breaker.execute(ok);
    await breaker.execute(unavailable).catch(() => {});
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('closed'); // 2 of 9
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('open'); // 3 of 10 = 0.3
  });

  it('frees a half-open probe slot when the probe fails with an error isFailure ignores', async () => {
    const clock = createManualClock({ now: 1_000_000 });
    const breaker = breakerFor({ minimumThroughput: 2, isFailure: serverErrorsOnly, clock, halfOpenAfter: '30s' });
    await breaker.execute(unavailable).catch(() => {});
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('open');
    await clock.advanceAsync(30_000);
    await expect(breaker.execute(notFound)).rejects.toMatchObject({ status: 404 });
    expect(breaker.state).toBe('half-open'); // a 404 proves nothing either way
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // the freed slot probes
    expect(breaker.state).toBe('closed');
  });

  it('lets a parked call probe when the probe before it proved nothing (halfOpenWaiting: "wait")', async () => {
    const clock = createManualClock({ now: 1_000_000 });
    const breaker = breakerFor({
      minimumThroughput: 2,
      isFailure: serverErrorsOnly,
      clock,
      halfOpenAfter: '30s',
      halfOpenWaiting: 'wait',
    });
    await breaker.execute(unavailable).catch(() => {});
    await breaker.execute(unavailable).catch(() => {});
    await clock.advanceAsync(30_000);
    let answer!: (status: number) => void;
    const probe = breaker.execute(
      () => new Promise<never>((_, reject) => (answer = (status) => reject(new HttpError(status)))),
    );
    const parked = breaker.execute(ok);
    answer(404);
    await expect(probe).rejects.toMatchObject({ status: 404 });
    await expect(parked).resolves.toBe('ok'); // it became the probe
    expect(breaker.state).toBe('closed');
  });

  it('restores snapshot counts into the current bucket, where they age out with the window', async () => {
    const clock = createManualClock({ now: 1_000_000 });
    const restore = {
      name: 'api',
      state: 'closed' as const,
      since: 0,
      window: { calls: 4, failures: 2, successes: 2 },
    };
    const breaker = breakerFor({ minimumThroughput: 5, clock, window: '10s', restore });
    expect(breaker.toJSON().window).toEqual({ calls: 4, failures: 2, successes: 2 });
    await clock.advanceAsync(10_000);
    expect(breaker.toJSON().window).toEqual({ calls: 0, failures: 0, successes: 0 });
    await breaker.execute(unavailable).catch(() => {});
    expect(breaker.state).toBe('closed'); // the restored failures are gone: 1 call
  });
});
