import CircuitBreaker from 'opossum';
import type { Next, Run } from '../policy.js';
import { acquireRotator } from '../rotator.js';
import type { BreakerSettings } from './options.js';
import type { WindowCounts } from './state.js';

/** Largest delay Node timers accept; opossum's own reset timer is parked there (the breaker drives half-open). */
const NEVER = 2 ** 31 - 1;

/** opossum's action: run the rest of the chain. Shared by every breaker. */
const runNext = (next: Next<unknown>, run: Run): Promise<unknown> => next(run);

/**
 * The failure-ratio strategy: counts closed-state calls in opossum's rolling
 * window and calls `trip()` when failures / calls reach `failureRatio` over
 * at least `minimumThroughput` calls. opossum only counts here; every state
 * transition, timeout and probe belongs to the breaker.
 */
export class FailureRatioStrategy {
  private readonly engine: CircuitBreaker;
  private readonly rotator: { release(): void };
  private readonly buckets: number;

  constructor(
    settings: BreakerSettings,
    restored: WindowCounts | undefined,
    /** True when an error counts against the dependency. */
    isFailure: (error: unknown) => boolean,
    trip: () => void,
  ) {
    const { clock, window, windowBuckets } = settings;
    this.buckets = windowBuckets;
    const rotator = acquireRotator(clock, Math.floor(window / windowBuckets));
    this.rotator = rotator;
    this.engine = new CircuitBreaker(runNext, {
      name: settings.name,
      // Timeouts are the breaker's, per call: opossum's abort controller is shared by every call (#780, #861).
      timeout: false,
      resetTimeout: NEVER,
      // opossum opens when the rate *exceeds* the threshold; we document "reaches".
      errorThresholdPercentage: settings.failureRatio * 100 - 1e-9,
      volumeThreshold: settings.minimumThroughput,
      rollingCountTimeout: window,
      rollingCountBuckets: windowBuckets,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: rotator.emitter,
      errorFilter: (error: unknown) => !isFailure(error),
      // opossum's own restore path for the window counts.
      status: restored
        ? { fires: restored.calls, failures: restored.failures, successes: restored.successes }
        : undefined,
    } as CircuitBreaker.Options & { status?: unknown });
    this.engine.on('open', trip);
  }

  /** Runs one closed-state call and counts its outcome. */
  run<T>(next: Next<T>, run: Run): Promise<T> {
    return this.engine.fire(next, run) as Promise<T>;
  }

  /** The counts in the current window, for snapshots. */
  counts(): WindowCounts {
    const stats = this.engine.stats;
    return { calls: stats.fires, failures: stats.failures, successes: stats.successes };
  }

  /** The breaker left `closed`: park the engine open so it cannot trip again meanwhile. */
  suspend(): void {
    if (!this.engine.opened) this.engine.open();
  }

  /** The breaker closed: count again, from a fresh window (old failures must not reopen it at once). */
  resume(): void {
    this.engine.close();
    const status = this.engine.status as unknown as { rotateBucket: () => void };
    for (let bucket = 0; bucket < this.buckets; bucket++) status.rotateBucket();
  }

  /** Stops the engine and gives back the shared rotation timer. */
  close(): void {
    this.engine.shutdown();
    this.rotator.release();
  }
}
