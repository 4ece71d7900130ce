import { createManualClock, TelltaleError } from '@telltale/core';
import {
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  pipeline,
  retry,
  constant,
  timeout,
  type ResilienceEvent,
} from '@telltale/resilience';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';

const never = (): Promise<never> => new Promise(() => {});

describe('timeout', () => {
  it('rejects with TELLTALE_TIMEOUT and aborts only that call’s signal, even if the operation ignores it', async () => {
    const clock = createManualClock();
    const limit = timeout({ duration: '1s', clock });
    let signal: AbortSignal | undefined;
    const result = limit
      .execute((context) => {
        signal = context.signal;
        return never();
      })
      .catch((error: unknown) => error);
    await clock.advanceAsync(999);
    expect(signal?.aborted).toBe(false);
    await clock.advanceAsync(1);
    expect(await result).toMatchObject({ code: 'TELLTALE_TIMEOUT', details: { timeoutMs: 1000 } });
    expect(signal?.aborted).toBe(true);
    expect(TelltaleError.is(signal?.reason, 'TELLTALE_TIMEOUT')).toBe(true);
  });

  it('uses one timer for many in-flight calls and leaves none behind', async () => {
    const clock = createManualClock();
    const limit = timeout({ duration: 100, clock });
    const calls = Array.from({ length: 50 }, () => limit.execute(never).catch((error: unknown) => error));
    expect(clock.pendingTimers()).toBe(1);
    await clock.advanceAsync(100);
    const errors = await Promise.all(calls);
    expect(errors.every((error) => TelltaleError.is(error, 'TELLTALE_TIMEOUT'))).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('passes results through and rejects at once when the caller aborts', async () => {
    const limit = timeout('1s');
    await expect(limit.execute(() => 42)).resolves.toBe(42);
    const controller = new AbortController();
    const result = limit.execute(never, { signal: controller.signal });
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(() => timeout(0)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/timeout.duration/) }),
    );
  });
});

describe('bulkhead', () => {
  it('runs up to concurrency, queues up to queue, rejects the overflow', async () => {
    const limiter = bulkhead({ concurrency: 2, queue: 1 });
    const gates: (() => void)[] = [];
    const held = () => new Promise<void>((resolve) => gates.push(resolve));
    const running = [limiter.execute(held), limiter.execute(held), limiter.execute(held)];
    await expect(limiter.execute(held)).rejects.toMatchObject({
      code: 'TELLTALE_BULKHEAD_REJECTED',
      details: { reason: 'queue-full' },
    });
    expect(limiter.stats()).toEqual({ active: 2, queued: 1, rejected: 1 });
    gates[0]!();
    await running[0];
    await Promise.resolve();
    expect(limiter.stats()).toMatchObject({ active: 2, queued: 0 });
    gates[1]!();
    gates[2]!();
    await Promise.all(running);
  });

  it('serves priority lanes high → medium → low and evicts the newest lower waiter when full', async () => {
    const limiter = bulkhead({ concurrency: 1, queue: 2, priority: true });
    const order: string[] = [];
    let release!: () => void;
    const first = limiter.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const task = (label: string) => () => {
      order.push(label);
    };
    const low = limiter.execute(task('low'), { priority: 'low' });
    const medium = limiter.execute(task('medium'), { priority: 'medium' });
    const high = limiter.execute(task('high'), { priority: 'high' }); // queue full: evicts "low"
    await expect(low).rejects.toMatchObject({ code: 'TELLTALE_BULKHEAD_REJECTED', details: { reason: 'evicted' } });
    await expect(limiter.execute(task('late-low'), { priority: 'low' })).rejects.toMatchObject({
      details: { reason: 'queue-full' },
    });
    release();
    await Promise.all([first, medium, high]);
    expect(order).toEqual(['high', 'medium']);
  });

  it('lets a waiting call be aborted', async () => {
    const limiter = bulkhead({ concurrency: 1, queue: 5 });
    let release!: () => void;
    const first = limiter.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const waiting = limiter.execute(() => 'never runs', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(limiter.stats().queued).toBe(0);
    release();
    await first;
  });
});

describe('fallback', () => {
  it('replaces failures (including open circuits) but not the caller’s abort', async () => {
    const breaker = circuitBreaker({ clock: createManualClock() });
    breaker.isolate();
    const safe = pipeline(
      'safe',
      fallback((error) => `cached (${(error as TelltaleError).code})`),
      breaker,
    );
    await expect(safe.execute(() => 'live')).resolves.toBe('cached (TELLTALE_CIRCUIT_OPEN)');
    const controller = new AbortController();
    controller.abort();
    await expect(safe.execute(() => 'live', { signal: controller.signal })).rejects.toMatchObject({
      code: 'TELLTALE_ABORTED',
    });
    const picky = fallback(() => 'fallback', { shouldHandle: (error) => error instanceof RangeError });
    await expect(picky.execute(() => Promise.reject(new Error('other')))).rejects.toThrow('other');
    await breaker.close();
  });
});

describe('hedge', () => {
  it('starts a copy after `after`, takes the first success and aborts the loser', async () => {
    const clock = createManualClock();
    const policy = hedge({ after: 100, maxHedges: 2, clock });
    const signals: AbortSignal[] = [];
    const result = policy.execute(({ signal }) => {
      signals.push(signal);
      const index = signals.length;
      return new Promise<string>((resolve) => {
        if (index === 2) clock.setTimeout(() => resolve('second'), 10);
      });
    });
    await clock.advanceAsync(100);
    expect(signals).toHaveLength(2);
    await clock.advanceAsync(10);
    await expect(result).resolves.toBe('second');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('launches the next copy at once when one fails, and rejects when all fail', async () => {
    const clock = createManualClock();
    const policy = hedge({ after: '1s', maxHedges: 2, clock });
    let calls = 0;
    await expect(policy.execute(() => Promise.reject(new Error(`fail ${++calls}`)))).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });
});

describe('pipeline', () => {
  it('composes outer → inner, reports events, and gives each attempt its own timeout', async () => {
    const clock = createManualClock();
    const events: ResilienceEvent[] = [];
    const chain = pipeline(
      'orders',
      retry({ maxAttempts: 2, backoff: constant(0), clock }),
      timeout({ duration: 50, clock }),
    );
    chain.onEvent((event) => events.push(event));
    const signals: AbortSignal[] = [];
    const result = chain.execute(({ signal, attempt }) => {
      signals.push(signal);
      return attempt === 1 ? never() : Promise.resolve('second attempt');
    });
    await clock.advanceAsync(50);
    await expect(result).resolves.toBe('second attempt');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    expect(events.map((event) => `${event.pipeline}/${event.strategy}/${event.type}`)).toEqual([
      'orders/timeout/timed-out',
      'orders/retry/retry-scheduled',
    ]);
  });

  it('reports breaker transitions as events and nests pipelines', async () => {
    const clock = createManualClock();
    const breaker = circuitBreaker({ name: 'db', clock, minimumThroughput: 1 });
    const inner = pipeline('inner', breaker);
    const outer = pipeline(
      'outer',
      fallback(() => 'fallback'),
      inner,
    );
    const events: string[] = [];
    inner.onEvent((event) => events.push(event.type));
    await expect(outer.execute(() => Promise.reject(new Error('down')))).resolves.toBe('fallback');
    expect(breaker.state).toBe('open');
    expect(events).toContain('circuit-opened');
    await breaker.close();
  });

  it('leaves no abort listeners on a long-lived caller signal', async () => {
    const clock = createManualClock();
    const chain = pipeline(
      'shared-signal',
      retry({ maxAttempts: 2, backoff: constant(1), clock }),
      bulkhead({ concurrency: 1, queue: 10 }),
      timeout({ duration: '1s', clock }),
    );
    const controller = new AbortController();
    let calls = 0;
    for (let index = 0; index < 20; index++) {
      const result = chain.execute(
        ({ signal }) => (++calls % 2 === 1 ? Promise.reject(new Error(`flaky ${signal.aborted}`)) : 'ok'),
        { signal: controller.signal },
      );
      await clock.advanceAsync(1);
      await expect(result).resolves.toBe('ok');
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects non-policies and empty names', () => {
    expect(() => pipeline('', timeout(1))).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/pipeline.name/) }),
    );
    expect(() => pipeline('x', {} as never)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/pipeline.policies\[0\]/) }),
    );
  });
});
