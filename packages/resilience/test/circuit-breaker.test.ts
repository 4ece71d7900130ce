import { createManualClock, TelltaleError, type ManualClock } from '@telltale/core';
import { bulkhead, circuitBreaker, pipeline, type CircuitStateChange } from '@telltale/resilience';
import CircuitBreaker from 'opossum';
import { afterEach, describe, expect, it } from 'vitest';

const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(
  options: Parameters<typeof circuitBreaker>[0] = {},
  clock: ManualClock = createManualClock({ now: 1_000_000 }),
) {
  const breaker = circuitBreaker({ name: 'api', clock, halfOpenAfter: '30s', window: '10s', ...options });
  cleanups.push(() => void breaker.close());
  const changes: CircuitStateChange[] = [];
  breaker.onStateChange((change) => changes.push(change));
  return { breaker, clock, changes };
}

async function fail(
  breaker: { execute: (fn: () => Promise<never>) => Promise<unknown> },
  times: number,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let index = 0; index < times; index++) errors.push(await breaker.execute(boom).catch((error: unknown) => error));
  return errors;
}

describe('circuitBreaker', () => {
  it('does not open on the first failure (opossum trap #217: volumeThreshold 0)', async () => {
    // The trap, shown on raw opossum with its defaults:
    const raw = new CircuitBreaker(boom, { enableSnapshots: false });
    await raw.fire().catch(() => {});
    expect(raw.opened).toBe(true);
    raw.shutdown();

    const { breaker } = setup();
    await fail(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('opens closed → open when the failure ratio reaches failureRatio over minimumThroughput calls', async () => {
    const { breaker, changes } = setup({ minimumThroughput: 10, failureRatio: 0.5 });
    for (let index = 0; index < 5; index++) await breaker.execute(ok);
    await fail(breaker, 4);
    expect(breaker.state).toBe('closed'); // 4/9 and below the minimum
    await fail(breaker, 1);
    expect(breaker.state).toBe('open'); // 5/10 = 0.5
    expect(changes).toMatchObject([{ name: 'api', from: 'closed', to: 'open', reason: 'failure-ratio' }]);
    const error = await breaker.execute(ok).catch((caught: unknown) => caught);
    expect(TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')).toBe(true);
    expect((error as TelltaleError).details).toMatchObject({ breaker: 'api', state: 'open', retryAfterMs: 30_000 });
  });

  it('forgets failures older than the window', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 4 });
    await fail(breaker, 3);
    await clock.advanceAsync(11_000);
    await fail(breaker, 1);
    expect(breaker.state).toBe('closed'); // only 1 call left in the window
    await fail(breaker, 3);
    expect(breaker.state).toBe('open');
  });

  it('goes open → half-open after halfOpenAfter, then half-open → closed when the probe succeeds', async () => {
    const { breaker, clock, changes } = setup({ minimumThroughput: 2 });
    await fail(breaker, 2);
    await clock.advanceAsync(29_999);
    expect(breaker.state).toBe('open');
    await clock.advanceAsync(1);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(changes.map((change) => `${change.from}>${change.to}:${change.reason}`)).toEqual([
      'closed>open:failure-ratio',
      'open>half-open:half-open-after',
      'half-open>closed:probes-succeeded',
    ]);
    // Closing forgets the old window: one new failure does not reopen it.
    await fail(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('goes half-open → open when a probe fails', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 2 });
    await fail(breaker, 2);
    await clock.advanceAsync(30_000);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('lets halfOpenProbes probes through (opossum trap #819: exactly one) and rejects the rest', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 2, halfOpenProbes: 3 });
    await fail(breaker, 2);
    await clock.advanceAsync(30_000);
    const gates: (() => void)[] = [];
    const slow = (): Promise<string> => new Promise((resolve) => gates.push(() => resolve('probe')));
    const probes = [breaker.execute(slow), breaker.execute(slow), breaker.execute(slow)];
    const extra = await breaker.execute(ok).catch((error: unknown) => error);
    expect(TelltaleError.is(extra, 'TELLTALE_CIRCUIT_OPEN')).toBe(true);
    expect(gates).toHaveLength(3);
    gates[0]!();
    gates[1]!();
    await Promise.all(probes.slice(0, 2));
    expect(breaker.state).toBe('half-open'); // 2 of 3 probes succeeded
    gates[2]!();
    await Promise.all(probes);
    expect(breaker.state).toBe('closed');
  });

  it('frees a probe slot when the probe is aborted by its caller (an abort proves nothing)', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 2 });
    await fail(breaker, 2);
    await clock.advanceAsync(30_000);
    const controller = new AbortController();
    const aborted = breaker
      .execute(
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new TelltaleError('TELLTALE_ABORTED', 'gone'))),
          ),
        {
          signal: controller.signal,
        },
      )
      .catch((error: unknown) => error);
    controller.abort();
    expect(TelltaleError.is(await aborted, 'TELLTALE_ABORTED')).toBe(true);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // the freed slot probes
    expect(breaker.state).toBe('closed');
  });

  it('makes extra half-open calls wait for the probe outcome with halfOpenWaiting: "wait"', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 2, halfOpenWaiting: 'wait' });
    await fail(breaker, 2);
    await clock.advanceAsync(30_000);
    let release!: () => void;
    const probe = breaker.execute(() => new Promise<string>((resolve) => (release = () => resolve('probe'))));
    const waiting = breaker.execute(ok);
    release();
    await expect(probe).resolves.toBe('probe');
    await expect(waiting).resolves.toBe('ok');

    // And when the probe fails, waiters are rejected as open.
    await fail(breaker, 2);
    await clock.advanceAsync(30_000);
    let failProbe!: () => void;
    const failing = breaker.execute(
      () => new Promise<never>((_, reject) => (failProbe = () => reject(new Error('x')))),
    );
    const rejected = breaker.execute(ok).catch((error: unknown) => error);
    failProbe();
    await expect(failing).rejects.toThrow('x');
    expect(TelltaleError.is(await rejected, 'TELLTALE_CIRCUIT_OPEN')).toBe(true);
  });

  it('times out each call with its own signal (opossum trap #780/#861: one abort for all calls)', async () => {
    const clock = createManualClock();
    const { breaker } = setup({ timeout: '1s', minimumThroughput: 100 }, clock);
    const signals: AbortSignal[] = [];
    const hang = ({ signal }: { signal: AbortSignal }): Promise<never> => {
      signals.push(signal);
      return new Promise(() => {});
    };
    const first = breaker.execute(hang).catch((error: unknown) => error);
    await clock.advanceAsync(500);
    const second = breaker.execute(hang).catch((error: unknown) => error);
    await clock.advanceAsync(500);
    expect(TelltaleError.is(await first, 'TELLTALE_TIMEOUT')).toBe(true);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false); // the second call is untouched
    await clock.advanceAsync(500);
    expect(TelltaleError.is(await second, 'TELLTALE_TIMEOUT')).toBe(true);
    expect(signals[1]!.aborted).toBe(true);
    // A later call gets a fresh, live signal (opossum's controller stays aborted).
    await breaker.execute(({ signal }) => Promise.resolve(expect(signal.aborted).toBe(false)));
  });

  it('does not count bulkhead rejections (capacity) as failures', async () => {
    const { breaker } = setup({ minimumThroughput: 2 });
    const limiter = bulkhead({ concurrency: 1 });
    const guarded = pipeline('guarded', breaker, limiter);
    let release!: () => void;
    const holder = guarded.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const rejections = await Promise.all([1, 2, 3, 4].map(() => guarded.execute(ok).catch((error: unknown) => error)));
    expect(rejections.every((error) => TelltaleError.is(error, 'TELLTALE_BULKHEAD_REJECTED'))).toBe(true);
    release();
    await holder;
    expect(breaker.state).toBe('closed');
  });

  it('ignores errors that isFailure rejects (e.g. 4xx)', async () => {
    class HttpError extends Error {
      constructor(readonly status: number) {
        super(`HTTP ${status}`);
      }
    }
    const { breaker } = setup({
      minimumThroughput: 2,
      isFailure: (error) => !(error instanceof HttpError && error.status < 500),
    });
    for (let index = 0; index < 5; index++)
      await breaker.execute(() => Promise.reject(new HttpError(404))).catch(() => {});
    expect(breaker.state).toBe('closed');
    for (let index = 0; index < 5; index++)
      await breaker.execute(() => Promise.reject(new HttpError(503))).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('isolates until reset, whatever the time', async () => {
    const { breaker, clock, changes } = setup();
    breaker.isolate();
    expect(breaker.state).toBe('isolated');
    clock.advance(3_600_000);
    expect(breaker.state).toBe('isolated');
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'TELLTALE_CIRCUIT_OPEN' });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(changes.map((change) => change.reason)).toEqual(['isolate', 'reset']);
  });

  it('opens on the slow-call ratio', async () => {
    const clock = createManualClock();
    const { breaker, changes } = setup({ minimumThroughput: 4, slowCall: { duration: '1s', ratio: 0.5 } }, clock);
    const slow = (): Promise<string> =>
      new Promise((resolve) => {
        clock.setTimeout(() => resolve('slow'), 1_500);
      });
    await breaker.execute(ok);
    await breaker.execute(ok);
    const first = breaker.execute(slow);
    await clock.advanceAsync(1_500);
    await first;
    expect(breaker.state).toBe('closed');
    const second = breaker.execute(slow);
    await clock.advanceAsync(1_500);
    await second;
    expect(breaker.state).toBe('open');
    expect(changes[0]).toMatchObject({ reason: 'slow-call-ratio' });
  });

  it('round-trips toJSON() through restore', async () => {
    const clock = createManualClock({ now: 5_000_000 });
    const { breaker } = setup({ minimumThroughput: 3 }, clock);
    await breaker.execute(ok);
    await fail(breaker, 1);
    const closedSnapshot = JSON.parse(JSON.stringify(breaker.toJSON()));
    expect(closedSnapshot).toMatchObject({ name: 'api', state: 'closed', window: { calls: 2, failures: 1 } });
    const restoredClosed = setup({ minimumThroughput: 3, restore: closedSnapshot }, clock).breaker;
    await fail(restoredClosed, 1);
    expect(restoredClosed.state).toBe('open'); // remembered the earlier calls

    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advanceAsync(10_000);
    const openSnapshot = breaker.toJSON();
    expect(openSnapshot).toMatchObject({ state: 'open', halfOpenAt: 5_030_000 });
    const restored = setup({ minimumThroughput: 2, restore: openSnapshot }, clock).breaker;
    expect(restored.state).toBe('open');
    await clock.advanceAsync(20_000);
    expect(restored.state).toBe('half-open'); // same deadline as the original

    breaker.isolate();
    expect(setup({ restore: breaker.toJSON() }, clock).breaker.state).toBe('isolated');
  });

  it('reports health: pass closed, warn half-open, fail (or warn) open', async () => {
    const { breaker, clock } = setup({ minimumThroughput: 2 });
    const check = breaker.healthCheck();
    const lenient = breaker.healthCheck({ whenOpen: 'warn' });
    expect(check()).toEqual({ status: 'pass', observedValue: 'closed' });
    await fail(breaker, 2);
    expect(check()).toMatchObject({ status: 'fail', observedValue: 'open' });
    expect(lenient()).toMatchObject({ status: 'warn' });
    await clock.advanceAsync(30_000);
    expect(check()).toMatchObject({ status: 'warn', observedValue: 'half-open' });
  });

  it('validates options at construction', () => {
    expect(() => circuitBreaker({ failureRatio: 2 })).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        message: expect.stringMatching(/circuitBreaker.failureRatio/),
      }),
    );
    expect(() => circuitBreaker({ minimumThroughput: 0 })).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        message: expect.stringMatching(/circuitBreaker.minimumThroughput/),
      }),
    );
    expect(() => circuitBreaker({ window: '10 seconds' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/circuitBreaker.window/) }),
    );
    expect(() => circuitBreaker({ halfOpenWaiting: 'queue' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/halfOpenWaiting/) }),
    );
  });

  it('rejects calls after close() and stops its timers', async () => {
    const clock = createManualClock();
    const breaker = circuitBreaker({ clock, minimumThroughput: 1 });
    await breaker.execute(boom).catch(() => {});
    expect(breaker.state).toBe('open');
    await breaker.close();
    expect(clock.pendingTimers()).toBe(0);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
  });
});

describe('circuitBreaker timers', () => {
  it('shares one bucket-rotation timer between all breakers of a clock (opossum #809: 2 intervals each)', () => {
    const clock = createManualClock();
    const breakers = Array.from({ length: 1_000 }, (_, index) => circuitBreaker({ name: `b${index}`, clock }));
    // 0, was 1: the failure-ratio window now rotates its buckets lazily from clock.now() on each
    // call (RollingWindow), so closed breakers need no rotation timer at all, shared or not.
    expect(clock.pendingTimers()).toBe(0);
    for (const breaker of breakers) void breaker.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
