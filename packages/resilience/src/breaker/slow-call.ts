import type { Clock } from '@telltale/core';
import { RollingWindow } from '../rolling-window.js';

const CALLS = 0;
const SLOW = 1;

/**
 * The slow-call strategy (resilience4j's slow-call rate): counts calls and
 * calls slower than `duration` in a rolling window; the breaker opens when
 * slow / calls reaches `ratio` over at least `minimumThroughput` calls.
 */
export class SlowCallStrategy {
  private readonly window: RollingWindow;

  constructor(
    private readonly clock: Clock,
    windowMilliseconds: number,
    buckets: number,
    private readonly slowCall: { readonly duration: number; readonly ratio: number },
    private readonly minimumThroughput: number,
  ) {
    this.window = new RollingWindow(clock, windowMilliseconds, buckets, 2);
  }

  /** Start time to hand back to {@link SlowCallStrategy.record}. */
  start(): number {
    return this.clock.now();
  }

  /**
   * Counts a call that began at `started`. Returns true when this slow call
   * brings the ratio to the threshold and `closed` says an opening counts.
   */
  record(started: number, closed: boolean): boolean {
    const { window } = this;
    const slow = this.clock.now() - started >= this.slowCall.duration;
    window.add(CALLS);
    if (slow) window.add(SLOW);
    if (!slow || !closed) return false;
    const calls = window.sum(CALLS);
    return calls >= this.minimumThroughput && window.sum(SLOW) / calls >= this.slowCall.ratio;
  }

  /** Forgets the window: closing starts afresh. */
  forget(): void {
    this.window.reset();
  }
}
