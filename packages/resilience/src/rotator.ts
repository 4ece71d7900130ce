import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle, TimerOptions } from '@telltale/core';

interface Rotator {
  readonly emitter: EventEmitter;
  users: number;
  timer: TimerHandle | undefined;
}

const byClock = new WeakMap<Clock, Map<number, Rotator>>();
/** Window rotation is housekeeping: it never keeps a process alive. */
const BACKGROUND: TimerOptions = { background: true };

/**
 * A shared bucket-rotation signal for opossum's rolling windows
 * (`rotateBucketController`): one timer per clock and bucket interval for
 * all breakers, instead of opossum's two intervals per breaker.
 * `release()` stops the timer when the last user leaves.
 */
export function acquireRotator(clock: Clock, intervalMilliseconds: number): { emitter: EventEmitter; release(): void } {
  let rotators = byClock.get(clock);
  if (!rotators) {
    rotators = new Map();
    byClock.set(clock, rotators);
  }
  let rotator = rotators.get(intervalMilliseconds);
  if (!rotator) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    rotator = { emitter, users: 0, timer: undefined };
    rotators.set(intervalMilliseconds, rotator);
  }
  const shared = rotator;
  const map = rotators;
  const tick = (): void => {
    shared.timer = clock.setTimeout(tick, intervalMilliseconds, BACKGROUND);
    shared.emitter.emit('rotate');
  };
  if (shared.users++ === 0) shared.timer = clock.setTimeout(tick, intervalMilliseconds, BACKGROUND);
  let released = false;
  return {
    emitter: shared.emitter,
    release() {
      if (released) return;
      released = true;
      if (--shared.users > 0) return;
      if (shared.timer !== undefined) clock.clearTimeout(shared.timer);
      shared.timer = undefined;
      map.delete(intervalMilliseconds);
    },
  };
}
