import { createManualClock, TelltaleError } from '@telltale/core';
import {
  circuitBreaker,
  constant,
  exponential,
  parseRetryAfter,
  pipeline,
  retry,
  retryAfterFromError,
  retryBudget,
  type RetryEvent,
} from '@telltale/resilience';
import { describe, expect, it } from 'vitest';

function failTimes(count: number, error: () => Error = () => new Error('flaky')) {
  const attempts: number[] = [];
  const operation = ({ attempt }: { attempt: number }): Promise<string> => {
    attempts.push(attempt);
    return attempts.length <= count ? Promise.reject(error()) : Promise.resolve(`ok@${attempt}`);
  };
  return { attempts, operation };
}

describe('retry', () => {
  it('retries up to maxAttempts with the backoff waits, on the given clock', async () => {
    const clock = createManualClock();
    const events: RetryEvent[] = [];
    const policy = retry({
      maxAttempts: 3,
      backoff: exponential({ initial: 100, jitter: 'none' }),
      clock,
      onRetry: (event) => events.push(event),
    });
    const { attempts, operation } = failTimes(2);
    const result = policy.execute(operation);
    await clock.advanceAsync(99);
    expect(attempts).toEqual([1]);
    await clock.advanceAsync(1);
    expect(attempts).toEqual([1, 2]);
    await clock.advanceAsync(200);
    await expect(result).resolves.toBe('ok@3');
    expect(events.map((event) => [event.attempt, event.delayMs])).toEqual([
      [2, 100],
      [3, 200],
    ]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const policy = retry({ maxAttempts: 3, backoff: constant(0) });
    let count = 0;
    await expect(policy.execute(() => Promise.reject(new Error(`fail ${++count}`)))).rejects.toThrow('fail 3');
  });

  it('never retries open circuits, bulkhead or budget rejections, or aborts; honours retryOn', async () => {
    for (const code of [
      'TELLTALE_CIRCUIT_OPEN',
      'TELLTALE_BULKHEAD_REJECTED',
      'TELLTALE_RETRY_BUDGET_EXHAUSTED',
      'TELLTALE_ABORTED',
    ]) {
      const { attempts, operation } = failTimes(5, () => new TelltaleError(code, code));
      await expect(retry({ backoff: constant(0), retryOn: () => true }).execute(operation)).rejects.toMatchObject({
        code,
      });
      expect(attempts).toHaveLength(1);
    }
    const { attempts, operation } = failTimes(5, () => new RangeError('bad input'));
    await expect(
      retry({ backoff: constant(0), retryOn: (error) => !(error instanceof RangeError) }).execute(operation),
    ).rejects.toThrow(RangeError);
    expect(attempts).toHaveLength(1);
  });

  it('retries TypeErrors too (p-retry alone would not)', async () => {
    const { attempts, operation } = failTimes(1, () => new TypeError('fetch failed oddly'));
    await expect(retry({ backoff: constant(0) }).execute(operation)).resolves.toBe('ok@2');
    expect(attempts).toEqual([1, 2]);
  });

  it('computes full, decorrelated and no jitter within bounds', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect(exponential({ initial: 100, max: 1000, jitter: 'none' }).delay(4, 0)).toBe(800);
    expect(exponential({ initial: 100, max: 1000, jitter: 'none' }).delay(10, 0)).toBe(1000);
    expect(exponential({ initial: 100, jitter: 'full', random: low }).delay(3, 0)).toBe(0);
    expect(exponential({ initial: 100, jitter: 'full', random: high }).delay(3, 0)).toBe(400);
    expect(exponential({ initial: 100, max: 10_000, jitter: 'decorrelated', random: low }).delay(3, 900)).toBe(100);
    expect(exponential({ initial: 100, max: 10_000, jitter: 'decorrelated', random: high }).delay(3, 900)).toBe(2700);
    expect(exponential({ initial: 100, max: 1000, jitter: 'decorrelated', random: high }).delay(3, 900)).toBe(1000);
    expect(() => exponential({ initial: '1s', max: '10ms' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/exponential.max/) }),
    );
  });

  it('respects Retry-After (seconds, HTTP date, retryAfterMs), capped, abortably', async () => {
    const clock = createManualClock({ now: Date.parse('2026-01-01T00:00:00Z') });
    const policy = retry({ maxAttempts: 2, backoff: constant(10), respectRetryAfter: { max: '5s' }, clock });
    const limited = Object.assign(new Error('429'), { retryAfterMs: 3_000 });
    const { attempts, operation } = failTimes(1, () => limited);
    const result = policy.execute(operation);
    await clock.advanceAsync(2_999);
    expect(attempts).toHaveLength(1);
    await clock.advanceAsync(1);
    await expect(result).resolves.toBe('ok@2');

    const capped = failTimes(
      1,
      () => new TelltaleError('TELLTALE_RATE_LIMITED', '429', { details: { retryAfter: '3600' } }),
    );
    const second = policy.execute(capped.operation);
    await clock.advanceAsync(5_000);
    await expect(second).resolves.toBe('ok@2');

    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(retryAfterFromError({ retryAfter: 2 })).toBe(2_000);
    expect(retryAfterFromError(new Error('x', { cause: { retryAfterMs: 5 } }))).toBe(5);
    expect(retryAfterFromError(new Error('plain'))).toBeUndefined();
  });

  it('stops when the next wait would pass maxElapsed (Retry-After counts)', async () => {
    const clock = createManualClock();
    const policy = retry({ maxAttempts: 5, backoff: constant(10), respectRetryAfter: true, maxElapsed: '2s', clock });
    const { attempts, operation } = failTimes(5, () => Object.assign(new Error('busy'), { retryAfterMs: 3_000 }));
    await expect(policy.execute(operation)).rejects.toThrow('busy');
    expect(attempts).toHaveLength(1);
  });

  it('aborting the caller cancels the backoff wait at once and the in-flight attempt', async () => {
    const clock = createManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constant('1h'), clock });
    const controller = new AbortController();
    const { operation } = failTimes(5);
    const result = policy.execute(operation, { signal: controller.signal });
    await clock.advanceAsync(10);
    expect(clock.pendingTimers()).toBe(1); // the backoff wait
    controller.abort(new Error('user left'));
    await expect(result).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(clock.pendingTimers()).toBe(0);

    const second = new AbortController();
    let seen: AbortSignal | undefined;
    const inFlight = policy.execute(
      ({ signal }) =>
        new Promise((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
      { signal: second.signal },
    );
    second.abort(new Error('cancel'));
    await expect(inFlight).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(seen?.aborted).toBe(true);
  });

  it('refuses retries once the shared budget is empty, with a typed error', async () => {
    const clock = createManualClock();
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, window: '10s', clock });
    const policy = retry({ maxAttempts: 3, backoff: constant(0), budget });
    const outcomes: unknown[] = [];
    for (let index = 0; index < 50; index++) {
      outcomes.push(await policy.execute(() => Promise.reject(new Error('down'))).catch((error: unknown) => error));
    }
    const refused = outcomes.filter((error) => TelltaleError.is(error, 'TELLTALE_RETRY_BUDGET_EXHAUSTED'));
    expect(refused.length).toBeGreaterThan(40);
    expect((refused[0] as TelltaleError).cause).toBeInstanceOf(Error);
    const stats = budget.stats();
    expect(stats.retries).toBeLessThanOrEqual(0.1 * stats.requests);
    expect(stats.refused).toBe(refused.length);
    // Tokens expire with the window.
    await clock.advanceAsync(11_000);
    expect(budget.stats()).toMatchObject({ requests: 0, retries: 0 });
  });

  it('is shared across pipelines: requests through one fund retries in another', async () => {
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, window: '10s', clock: createManualClock() });
    const first = pipeline('first', retry({ maxAttempts: 2, backoff: constant(0), budget }));
    const second = pipeline('second', retry({ maxAttempts: 2, backoff: constant(0), budget }));
    for (let index = 0; index < 9; index++) await first.execute(() => 'ok'); // 0.9 tokens
    const funded = failTimes(1);
    await expect(second.execute(funded.operation)).resolves.toBe('ok@2'); // +0.1 → one retry
    const refused = failTimes(1);
    await expect(first.execute(refused.operation)).rejects.toMatchObject({ code: 'TELLTALE_RETRY_BUDGET_EXHAUSTED' });
    expect([funded.attempts.length, refused.attempts.length]).toEqual([2, 1]);
  });

  it('has a reserve of minPerSecond × window for low traffic', () => {
    const budget = retryBudget({ ratio: 0, minPerSecond: 2, window: '5s', clock: createManualClock() });
    let granted = 0;
    while (budget.tryAcquire() && granted < 100) granted++;
    expect(granted).toBe(10);
  });

  it('composes with a breaker inside: attempts see their own attempt number', async () => {
    const breaker = circuitBreaker({ name: 'inner', clock: createManualClock() });
    const events: string[] = [];
    const chain = pipeline('composed', retry({ maxAttempts: 3, backoff: constant(0) }), breaker);
    chain.onEvent((event) =>
      events.push(`${event.strategy}:${event.type}:${'attempt' in event ? event.attempt : '-'}`),
    );
    const { attempts, operation } = failTimes(2);
    await expect(chain.execute(operation)).resolves.toBe('ok@3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(events).toEqual(['retry:retry-scheduled:2', 'retry:retry-scheduled:3']);
    await breaker.close();
  });

  it('validates options', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/retry.maxAttempts/) }),
    );
    expect(() => retry({ backoff: {} as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/retry.backoff/) }),
    );
    expect(() => retryBudget({ ratio: -1 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/retryBudget.ratio/) }),
    );
    expect(() => retryBudget({ window: '100ms' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/retryBudget.window/) }),
    );
  });
});
