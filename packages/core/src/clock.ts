/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer?: never } | NodeJS.Timeout | number;

/**
 * Options for {@link Clock.setTimeout}.
 *
 * @example
 * ```ts
 * import { systemClock, type TimerOptions } from '@telltale/core';
 * const background: TimerOptions = { background: true };
 * let buckets = 0;
 * systemClock.setTimeout(() => buckets++, 1000, background); // never holds the process open
 * ```
 */
export interface TimerOptions {
  /**
   * A background timer (rotation, interval checks, compaction, probes nobody
   * awaits) does not keep the process alive: the system clock `unref()`s it.
   * Leave it unset for a timer that bounds or delays something a caller
   * awaits (a timeout, a retry wait, a drain), so a one-shot script gets its
   * result or typed error instead of exiting with code 13.
   */
  background?: boolean | undefined;
}

/**
 * Source of time and timers. Everything time-based in Telltale takes an
 * optional `clock`, so tests can use {@link createManualClock}.
 *
 * A clock written for an older Telltale (`setTimeout(callback, milliseconds)`)
 * still fits: the third argument is only a hint.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from '@telltale/core';
 * const clock: Clock = systemClock;
 * // Awaited work: the timer keeps the process alive until it fires or is cleared.
 * const handle = clock.setTimeout(() => console.log('tick'), 1000);
 * clock.clearTimeout(handle);
 * // Housekeeping: never holds the process open on its own.
 * clock.setTimeout(() => console.log('rotate'), 1000, { background: true });
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Schedules `callback` after `milliseconds`. Real timers keep the process
   * alive unless `options.background` is set (then they are `unref()`ed).
   */
  setTimeout(callback: () => void, milliseconds: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now()` and Node timers. A timer keeps the process
 * alive until it fires or is cleared, except a `{ background: true }` one,
 * which is `unref()`ed so housekeeping never holds a process open.
 *
 * @example
 * ```ts
 * import { systemClock } from '@telltale/core';
 * const started = systemClock.now();
 * const controller = new AbortController();
 * // Bounds work a caller awaits: the process stays up until it fires or is cleared.
 * const deadline = systemClock.setTimeout(() => controller.abort(), 5000);
 * systemClock.clearTimeout(deadline);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, milliseconds: number, options?: TimerOptions): TimerHandle {
    const timer = setTimeout(callback, milliseconds);
    if (options?.background === true) timer.unref();
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
