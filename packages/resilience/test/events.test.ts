import { createManualClock } from '@telltale/core';
import {
  bulkhead,
  circuitBreaker,
  constant,
  fallback,
  hedge,
  pipeline,
  retry,
  retryBudget,
  timeout,
  type Policy,
  type ResilienceEvent,
} from '@telltale/resilience';
import { describe, expect, it } from 'vitest';
import { classifyEventName } from '../src/events.js';

const never = (): Promise<never> => new Promise(() => {});
const fail = (): Promise<never> => Promise.reject(new Error('down'));

/** A pipeline named `p` over `policies`, with every event it reports. */
function listen(...policies: Policy[]) {
  const events: ResilienceEvent[] = [];
  const chain = pipeline('p', ...policies);
  chain.onEvent((event) => events.push(event));
  return { chain, events };
}

describe('ResilienceEvent: discriminated on type, each variant with exactly its fields', () => {
  it('retry-scheduled carries attempt, delayMs and error; the deprecated event is the old name', async () => {
    const clock = createManualClock();
    const { chain, events } = listen(retry({ maxAttempts: 2, backoff: constant(250), clock }));
    const result = chain.execute(({ attempt }) => (attempt === 1 ? fail() : 'ok'));
    await clock.advanceAsync(250);
    await expect(result).resolves.toBe('ok');
    expect(events).toEqual([
      {
        type: 'retry-scheduled',
        event: 'retry',
        pipeline: 'p',
        strategy: 'retry',
        attempt: 2,
        delayMs: 250,
        error: expect.any(Error),
      },
    ]);
  });

  it('retry-given-up (was retry-gave-up) when the next wait passes maxElapsed', async () => {
    const clock = createManualClock();
    const { chain, events } = listen(retry({ maxAttempts: 5, backoff: constant(1_000), maxElapsed: 500, clock }));
    await expect(chain.execute(fail)).rejects.toThrow('down');
    expect(events).toEqual([
      {
        type: 'retry-given-up',
        event: 'retry-gave-up',
        pipeline: 'p',
        strategy: 'retry',
        attempt: 1,
        error: expect.any(Error),
      },
    ]);
  });

  it('retry-budget-exhausted keeps its name', async () => {
    const budget = retryBudget({ ratio: 0, minPerSecond: 0, clock: createManualClock() });
    const { chain, events } = listen(retry({ maxAttempts: 3, backoff: constant(0), budget }));
    await expect(chain.execute(fail)).rejects.toMatchObject({ code: 'TELLTALE_RETRY_BUDGET_EXHAUSTED' });
    expect(events).toEqual([
      {
        type: 'retry-budget-exhausted',
        event: 'retry-budget-exhausted',
        pipeline: 'p',
        strategy: 'retry',
        attempt: 1,
        error: expect.any(Error),
      },
    ]);
  });

  it('timed-out (was timeout) carries the TELLTALE_TIMEOUT error', async () => {
    const clock = createManualClock();
    const { chain, events } = listen(timeout({ duration: 50, clock }));
    const result = chain.execute(never).catch((error: unknown) => error);
    await clock.advanceAsync(50);
    expect(await result).toMatchObject({ code: 'TELLTALE_TIMEOUT' });
    expect(events).toEqual([
      {
        type: 'timed-out',
        event: 'timeout',
        pipeline: 'p',
        strategy: 'timeout',
        attempt: 1,
        error: expect.objectContaining({ code: 'TELLTALE_TIMEOUT' }),
      },
    ]);
  });

  it('fallback-used (was fallback) and hedge-launched (was hedge)', async () => {
    const used = listen(fallback(() => 'cached'));
    await expect(used.chain.execute(fail)).resolves.toBe('cached');
    expect(used.events).toEqual([
      {
        type: 'fallback-used',
        event: 'fallback',
        pipeline: 'p',
        strategy: 'fallback',
        attempt: 1,
        error: expect.any(Error),
      },
    ]);

    const clock = createManualClock();
    const hedged = listen(hedge({ after: 10, clock }));
    let calls = 0;
    const result = hedged.chain.execute(() => (++calls === 1 ? never() : 'second copy'));
    await clock.advanceAsync(10);
    await expect(result).resolves.toBe('second copy');
    expect(hedged.events).toEqual([
      { type: 'hedge-launched', event: 'hedge', pipeline: 'p', strategy: 'hedge', attempt: 1 },
    ]);
  });

  it('bulkhead-rejected carries the TELLTALE_BULKHEAD_REJECTED error', async () => {
    const { chain, events } = listen(bulkhead({ concurrency: 1, queue: 0 }));
    void chain.execute(never);
    await expect(chain.execute(() => 'second')).rejects.toMatchObject({ code: 'TELLTALE_BULKHEAD_REJECTED' });
    expect(events).toEqual([
      {
        type: 'bulkhead-rejected',
        event: 'bulkhead-rejected',
        pipeline: 'p',
        strategy: 'bulkhead',
        attempt: 1,
        error: expect.objectContaining({ code: 'TELLTALE_BULKHEAD_REJECTED' }),
      },
    ]);
  });

  it('breaker: state changes carry no attempt or error; circuit-rejected does', async () => {
    const clock = createManualClock();
    const breaker = circuitBreaker({ name: 'db', clock, minimumThroughput: 1, halfOpenAfter: 100 });
    const { chain, events } = listen(breaker);
    await expect(chain.execute(fail)).rejects.toThrow('down');
    await expect(chain.execute(() => 'refused')).rejects.toMatchObject({ code: 'TELLTALE_CIRCUIT_OPEN' });
    breaker.isolate();
    breaker.reset();
    expect(events).toEqual([
      { type: 'circuit-opened', event: 'circuit-opened', pipeline: 'p', strategy: 'db' },
      {
        type: 'circuit-rejected',
        event: 'circuit-rejected',
        pipeline: 'p',
        strategy: 'db',
        attempt: 1,
        error: expect.objectContaining({ code: 'TELLTALE_CIRCUIT_OPEN' }),
      },
      { type: 'circuit-isolated', event: 'circuit-isolated', pipeline: 'p', strategy: 'db' },
      { type: 'circuit-closed', event: 'circuit-closed', pipeline: 'p', strategy: 'db' },
    ]);
    await breaker.close();
  });

  it('an event of a policy of your own is custom, with its name (also in event)', async () => {
    const own: Policy = {
      kind: 'audit',
      name: 'audit',
      execute: () => Promise.reject(new Error('used in a pipeline only')),
      wrap: (next, run) => {
        run.emit?.('audit', 'call-seen', { attempt: run.attempt });
        return next(run);
      },
    };
    const { chain, events } = listen(own);
    await expect(chain.execute(() => 'ok')).resolves.toBe('ok');
    expect(events).toEqual([
      { type: 'custom', name: 'call-seen', event: 'call-seen', pipeline: 'p', strategy: 'audit', attempt: 1 },
    ]);
  });

  it('narrows on type: a field a variant does not have is a type error', () => {
    const check = (event: ResilienceEvent): number | undefined => {
      if (event.type === 'retry-scheduled') return event.delayMs;
      if (event.type === 'hedge-launched') {
        // @ts-expect-error -- a hedge launch has no error
        return (event.error as number | undefined) ?? event.attempt;
      }
      if (event.type === 'circuit-opened') {
        // @ts-expect-error -- a state change belongs to no attempt
        return event.attempt as number | undefined;
      }
      if (event.type === 'timed-out') {
        // @ts-expect-error -- only retry-scheduled has a wait
        return event.delayMs as number | undefined;
      }
      return undefined;
    };
    const base = { pipeline: 'p', strategy: 's' };
    expect(check({ ...base, type: 'retry-scheduled', event: 'retry', attempt: 2, delayMs: 7, error: null })).toBe(7);
    expect(check({ ...base, type: 'hedge-launched', event: 'hedge', attempt: 3 })).toBe(3);
  });
});

describe('classifying event names (runs on every event, listeners or not)', () => {
  it('answers a known name with one shared frozen object, a custom name with its own', () => {
    const first = classifyEventName('retry-scheduled');
    expect(first).toEqual({ type: 'retry-scheduled', legacy: 'retry', custom: false });
    expect(classifyEventName('retry-scheduled')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(classifyEventName('timed-out')).toEqual({ type: 'timed-out', legacy: 'timeout', custom: false });
    expect(classifyEventName('toString')).toEqual({ type: 'custom', legacy: 'toString', custom: true });
    expect(classifyEventName('retry')).toEqual({ type: 'custom', legacy: 'retry', custom: true });
  });
});
