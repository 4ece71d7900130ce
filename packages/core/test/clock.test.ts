import { describe, expect, it } from 'vitest';
import { TelltaleError, createManualClock, delay, systemClock } from '@telltale/core';

describe('createManualClock', () => {
  it('fires timers in due order, ties in scheduling order, and moves time to each', () => {
    const clock = createManualClock({ now: 1000 });
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 200);
    expect(clock.pendingTimers()).toBe(3);
    expect(clock.advance(150)).toBe(1150);
    expect(seen).toEqual(['a@1100']);
    clock.advance(100);
    expect(seen).toEqual(['a@1100', 'b@1200', 'c@1200']);
    expect(clock.now()).toBe(1250);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires timers scheduled by timers within the same advance', () => {
    const clock = createManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 10);
    }, 10);
    clock.advance(25);
    expect(seen).toEqual([10, 20]);
  });

  it('clears timers and ignores unknown handles', () => {
    const clock = createManualClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(handle);
    clock.clearTimeout(12345);
    clock.advance(10);
    expect(fired).toBe(false);
  });

  it('setTime refuses to go backwards', () => {
    const clock = createManualClock({ now: 100 });
    clock.setTime(200);
    expect(clock.now()).toBe(200);
    expect(() => clock.setTime(50)).toThrow(RangeError);
  });

  it('runAll fires everything pending', () => {
    const clock = createManualClock();
    let count = 0;
    clock.setTimeout(() => count++, 1_000_000);
    clock.setTimeout(() => count++, 5);
    expect(clock.runAll()).toBe(2);
    expect(count).toBe(2);
    expect(clock.now()).toBe(1_000_000);
  });

  it('advanceAsync lets async continuations schedule further timers', async () => {
    const clock = createManualClock();
    const seen: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await delay(100, { clock });
        seen.push(clock.now());
      }
    };
    const done = loop();
    await clock.advanceAsync(300);
    await done;
    expect(seen).toEqual([100, 200, 300]);
  });
});

describe('delay', () => {
  it('resolves after the time on the given clock', async () => {
    const clock = createManualClock();
    let resolved = false;
    const promise = delay(50, { clock }).then(() => (resolved = true));
    clock.advance(49);
    await Promise.resolve();
    expect(resolved).toBe(false);
    clock.advance(1);
    await promise;
    expect(resolved).toBe(true);
  });

  it('rejects at once with TELLTALE_ABORTED when aborted, clearing its timer', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const promise = delay(10_000, { clock, signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    const error = await promise.catch((e: unknown) => e);
    expect(TelltaleError.is(error, 'TELLTALE_ABORTED')).toBe(true);
    expect((error as Error).cause).toEqual(new Error('caller gave up'));
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects immediately for an already-aborted signal', async () => {
    await expect(delay(10, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
  });

  it('works on the system clock', async () => {
    const started = systemClock.now();
    await delay(5);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(4);
  });
});

describe('systemClock.setTimeout', () => {
  const hasRef = (handle: unknown) => (handle as NodeJS.Timeout).hasRef();

  it('keeps the process alive by default: the timer bounds something a caller awaits', () => {
    const handle = systemClock.setTimeout(() => {}, 10_000);
    expect(hasRef(handle)).toBe(true);
    systemClock.clearTimeout(handle);
  });

  it('unrefs a background timer', () => {
    const background = systemClock.setTimeout(() => {}, 10_000, { background: true });
    const explicit = systemClock.setTimeout(() => {}, 10_000, { background: false });
    expect([hasRef(background), hasRef(explicit)]).toEqual([false, true]);
    systemClock.clearTimeout(background);
    systemClock.clearTimeout(explicit);
  });

  it('fires background timers while something else keeps the process running', async () => {
    const fired = await new Promise<string>((resolve) =>
      systemClock.setTimeout(() => resolve('fired'), 5, { background: true }),
    );
    expect(fired).toBe('fired');
  });
});
