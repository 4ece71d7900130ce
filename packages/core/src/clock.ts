/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer?: never } | NodeJS.Timeout | number;

/**
 * Source of time and timers. Everything time-based in Telltale takes an
 * optional `clock`, so tests can use {@link createManualClock}.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from '@telltale/core';
 * const clock: Clock = systemClock;
 * const handle = clock.setTimeout(() => console.log('tick'), 1000);
 * clock.clearTimeout(handle);
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Schedules `callback` after `milliseconds`. Real timers are `unref()`ed. */
  setTimeout(callback: () => void, milliseconds: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now()` and unref'ed Node timers, so Telltale never
 * keeps a process alive on its own.
 *
 * @example
 * ```ts
 * import { systemClock } from '@telltale/core';
 * const started = systemClock.now();
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, milliseconds: number): TimerHandle {
    const timer = setTimeout(callback, milliseconds);
    timer.unref();
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
});

/** A clock whose time moves only when told to. See {@link createManualClock}. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order. Returns the new time. */
  advance(milliseconds: number): number;
  /**
   * Like {@link ManualClock.advance}, but lets promise callbacks settle
   * between timers so async code scheduled by a timer can schedule more.
   */
  advanceAsync(milliseconds: number): Promise<number>;
  /** Sets the absolute time (must not go backwards), firing due timers. */
  setTime(epochMilliseconds: number): void;
  /** Number of timers scheduled and not yet fired or cleared. */
  pendingTimers(): number;
  /** Fires every pending timer (and timers they schedule), up to `limit`. */
  runAll(limit?: number): number;
}

interface ManualTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * Creates a fake clock for tests. Timers fire synchronously inside
 * `advance()` in due order (ties in scheduling order).
 *
 * @example
 * ```ts
 * import { createManualClock } from '@telltale/core';
 * const clock = createManualClock({ now: 0 });
 * let fired = false;
 * clock.setTimeout(() => (fired = true), 100);
 * clock.advance(100); // fired === true
 * ```
 */
export function createManualClock(options: { now?: number } = {}): ManualClock {
  let time = options.now ?? 0;
  let nextId = 1;
  const timers: ManualTimer[] = [];

  const popDue = (until: number): ManualTimer | undefined => {
    let best = -1;
    for (let index = 0; index < timers.length; index++) {
      const timer = timers[index]!;
      if (timer.at > until) continue;
      const current = timers[best];
      if (!current || timer.at < current.at || (timer.at === current.at && timer.id < current.id)) best = index;
    }
    return best === -1 ? undefined : timers.splice(best, 1)[0];
  };

  const advance = (milliseconds: number): number => {
    const target = time + Math.max(0, milliseconds);
    for (let timer = popDue(target); timer; timer = popDue(target)) {
      time = Math.max(time, timer.at);
      timer.callback();
    }
    time = target;
    return time;
  };

  const flushMicrotasks = async (): Promise<void> => {
    for (let index = 0; index < 10; index++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  return {
    now: () => time,
    setTimeout(callback, milliseconds) {
      const id = nextId++;
      timers.push({ id, at: time + Math.max(0, milliseconds || 0), callback });
      return id;
    },
    clearTimeout(handle) {
      const index = timers.findIndex((timer) => timer.id === handle);
      if (index !== -1) timers.splice(index, 1);
    },
    advance,
    async advanceAsync(milliseconds) {
      const target = time + Math.max(0, milliseconds);
      await flushMicrotasks();
      for (let timer = popDue(target); timer; timer = popDue(target)) {
        time = Math.max(time, timer.at);
        timer.callback();
        await flushMicrotasks();
      }
      time = target;
      return time;
    },
    setTime(epochMilliseconds) {
      if (epochMilliseconds < time) throw new RangeError('A manual clock cannot go backwards');
      advance(epochMilliseconds - time);
    },
    pendingTimers: () => timers.length,
    runAll(limit = 10_000) {
      let fired = 0;
      for (let timer = popDue(Infinity); timer && fired < limit; timer = popDue(Infinity)) {
        time = Math.max(time, timer.at);
        timer.callback();
        fired++;
      }
      return fired;
    },
  };
}
