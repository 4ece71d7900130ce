import type { Next, Run } from '../policy.js';
import { RollingWindow } from '../rolling-window.js';
import type { BreakerSettings } from './options.js';
import type { WindowCounts } from './state.js';

const CALLS = 0;
const FAILURES = 1;

/**
 * The failure-ratio strategy: counts closed-state calls in a rolling window
 * and calls `trip()` when failures / calls *reach* `failureRatio` over at
 * least `minimumThroughput` calls. A call counts when it settles: a success,
 * or an error `isFailure` accepts. Local refusals and errors `isFailure`
 * ignores count as nothing, so they cannot dilute the ratio (opossum counted
 * them as successes). Every state transition, timeout and probe belongs to
 * the breaker.
 */
export class FailureRatioStrategy {
  private readonly window: RollingWindow;
  private readonly failureRatio: number;
  private readonly minimumThroughput: number;
  /** Bound once: no closure per call on the hot path. */
  private readonly onSuccess: <T>(value: T) => T;
  private readonly onError: (error: unknown) => never;

  constructor(
    settings: BreakerSettings,
    restored: WindowCounts | undefined,
    /** True when an error counts against the dependency; false for refusals and ignored errors. */
    isFailure: (error: unknown) => boolean,
    /** Called when a failure brings the ratio to the threshold. */
    trip: () => void,
  ) {
    const { clock, window, windowBuckets } = settings;
    this.failureRatio = settings.failureRatio;
    this.minimumThroughput = settings.minimumThroughput;
    this.window = new RollingWindow(clock, window, windowBuckets, 2);
    if (restored) this.restore(restored);
    const counts = this.window;
    this.onSuccess = (value) => {
      counts.add(CALLS);
      return value;
    };
    this.onError = (error) => {
      if (isFailure(error)) {
        counts.add(CALLS);
        counts.add(FAILURES);
        if (this.reached()) trip();
      }
      throw error;
    };
  }

  /** Runs one closed-state call and counts its outcome. */
  run<T>(next: Next<T>, run: Run): Promise<T> {
    return next(run).then(this.onSuccess, this.onError);
  }

  /** The counts in the current window, for snapshots. */
  counts(): WindowCounts {
    const calls = this.window.sum(CALLS);
    const failures = this.window.sum(FAILURES);
    return { calls, failures, successes: calls - failures };
  }

  /** Forgets the window: a breaker that closes starts afresh (old failures must not reopen it at once). */
  forget(): void {
    this.window.reset();
  }

  /** Only a failure can raise the ratio, so only a failure checks it ("reaches": `>=`, not opossum's `>`). */
  private reached(): boolean {
    const calls = this.window.sum(CALLS);
    return calls >= this.minimumThroughput && this.window.sum(FAILURES) / calls >= this.failureRatio;
  }

  /** A snapshot's counts go into the current bucket; they age out with it. */
  private restore(restored: WindowCounts): void {
    const calls = nonNegative(restored.calls);
    this.window.add(CALLS, calls);
    this.window.add(FAILURES, Math.min(calls, nonNegative(restored.failures)));
  }
}

/** Snapshots come from JSON: a missing or broken count restores as zero. */
function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
