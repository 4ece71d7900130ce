import { describe, expect, expectTypeOf, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { circuitBreaker, type CircuitBreakerPolicy } from '@telltale/resilience';

describe('circuitBreaker: close() returns a Promise like every close() in Telltale', () => {
  it('resolves once closed, then rejects calls with TELLTALE_CLOSED; closing again resolves too', async () => {
    const breaker = circuitBreaker({ name: 'db', clock: createManualClock() });
    const closing = breaker.close();
    expect(closing).toBeInstanceOf(Promise);
    await expect(closing).resolves.toBeUndefined();
    await expect(breaker.execute(() => Promise.resolve('ok'))).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
    await expect(breaker.close()).resolves.toBeUndefined();
  });

  it('is what Symbol.asyncDispose awaits', async () => {
    const clock = createManualClock();
    const breaker = circuitBreaker({ name: 'db', clock, minimumThroughput: 1 });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    expect(clock.pendingTimers()).toBe(1); // the half-open timer
    await breaker[Symbol.asyncDispose]();
    expect(clock.pendingTimers()).toBe(0);
    await expect(breaker.execute(() => Promise.resolve('ok'))).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
  });

  it('is typed as Promise<void>', () => {
    expectTypeOf<ReturnType<CircuitBreakerPolicy['close']>>().toEqualTypeOf<Promise<void>>();
  });
});
