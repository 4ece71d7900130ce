import {
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type Logger,
  type MeterProviderLike,
} from '@telltale/core';
import type { CircuitBreakerSnapshot } from './state.js';

/**
 * Options for {@link circuitBreaker}.
 *
 * @example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerOptions } from '@telltale/resilience';
 * const options: CircuitBreakerOptions = { name: 'geo', failureRatio: 0.3, minimumThroughput: 20, halfOpenProbes: 3 };
 * const breaker = circuitBreaker(options);
 * ```
 */
export interface CircuitBreakerOptions {
  /** Name in events, metrics (`strategy.name`) and errors (default `'circuit-breaker'`). */
  name?: string;
  /** Open when failures / calls in the window reach this ratio (default 0.5). */
  failureRatio?: number;
  /** Fewest calls in the window before the ratio can open the breaker (default 10; opossum's 0 opens on the first failure). */
  minimumThroughput?: number;
  /** Length of the rolling window (default `'10s'`). */
  window?: DurationInput;
  /** Buckets the window is split into (default 10). */
  windowBuckets?: number;
  /** How long the breaker stays open before letting probes through (default `'30s'`). */
  halfOpenAfter?: DurationInput;
  /** Probes let through while half-open; all must succeed to close (default 1). */
  halfOpenProbes?: number;
  /** Calls beyond the probes while half-open: `'reject'` (default) at once, or `'wait'` for the probes' outcome. */
  halfOpenWaiting?: 'reject' | 'wait';
  /** Per-call time limit; each call gets its own AbortSignal (caller's signal + this timeout). */
  timeout?: DurationInput;
  /**
   * Which errors count as failures (default: all but local refusals such as aborts). E.g. skip 4xx.
   * An error it rejects counts as neither a call nor a failure, like a local refusal.
   */
  isFailure?: (error: unknown) => boolean;
  /** Open also when this ratio of calls is slower than `duration` (resilience4j's slow-call rate). */
  slowCall?: { duration: DurationInput; ratio: number };
  /** Start from a saved {@link CircuitBreaker.toJSON} snapshot. */
  restore?: CircuitBreakerSnapshot;
  /**
   * Meter provider for the state gauge (default: the global one), or `false` to disable it: the
   * breaker's state is then reported on no provider and no gauge or callback is registered.
   */
  meterProvider?: MeterProviderLike | false;
  /** Logger (pino-compatible) for state changes. */
  logger?: Partial<Logger>;
  /** Clock for tests. */
  clock?: Clock;
}

/** The validated options, durations in milliseconds and defaults filled in. */
export interface BreakerSettings {
  readonly name: string;
  readonly failureRatio: number;
  readonly minimumThroughput: number;
  readonly window: number;
  readonly windowBuckets: number;
  readonly halfOpenAfter: number;
  readonly halfOpenProbes: number;
  readonly halfOpenWaiting: 'reject' | 'wait';
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly slowCall: { readonly duration: number; readonly ratio: number } | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Validates `input` at construction: a bad option throws `TELLTALE_CONFIG` naming it. */
export function breakerSettings(input: CircuitBreakerOptions): BreakerSettings {
  const window = check.duration('circuitBreaker.window', input.window, '10s');
  const windowBuckets = check.positiveInteger('circuitBreaker.windowBuckets', input.windowBuckets, 10);
  if (window < windowBuckets) {
    throw new TelltaleConfigError({
      option: 'circuitBreaker.window',
      value: input.window,
      expected: `a duration >= windowBuckets (${windowBuckets}) ms`,
    });
  }
  let slowCall: BreakerSettings['slowCall'];
  if (input.slowCall !== undefined) {
    const slow = check.object('circuitBreaker.slowCall', input.slowCall);
    slowCall = {
      duration: check.duration('circuitBreaker.slowCall.duration', slow.duration),
      ratio: check.numberInRange('circuitBreaker.slowCall.ratio', slow.ratio, 0.0001, 1),
    };
  }
  return {
    name: check.nonEmptyString('circuitBreaker.name', input.name, 'circuit-breaker'),
    failureRatio: check.numberInRange('circuitBreaker.failureRatio', input.failureRatio, 0.0001, 1, 0.5),
    minimumThroughput: check.positiveInteger('circuitBreaker.minimumThroughput', input.minimumThroughput, 10),
    window,
    windowBuckets,
    halfOpenAfter: check.duration('circuitBreaker.halfOpenAfter', input.halfOpenAfter, '30s'),
    halfOpenProbes: check.positiveInteger('circuitBreaker.halfOpenProbes', input.halfOpenProbes, 1),
    halfOpenWaiting: check.oneOf('circuitBreaker.halfOpenWaiting', input.halfOpenWaiting, ['reject', 'wait'], 'reject'),
    isFailure: check.optionalFunction<(error: unknown) => boolean>('circuitBreaker.isFailure', input.isFailure),
    slowCall,
    clock: input.clock ?? systemClock,
    logger: resolveLogger(input.logger),
  };
}
