import { options as check, TelltaleConfigError, type DurationInput } from '@telltale/core';

/**
 * Jitter strategies for {@link exponential}.
 *
 * @example
 * ```ts
 * import { exponential, type Jitter } from '@telltale/resilience';
 * const jitter: Jitter = 'decorrelated';
 * const backoff = exponential({ jitter });
 * ```
 */
export type Jitter = 'full' | 'decorrelated' | 'none';

/**
 * Computes the wait before each retry.
 *
 * @example
 * ```ts
 * import { retry, type Backoff } from '@telltale/resilience';
 * const linear: Backoff = { delay: (retry) => retry * 250 };
 * const policy = retry({ maxAttempts: 4, backoff: linear });
 * ```
 */
export interface Backoff {
  /**
   * Milliseconds to wait before retry number `retry` (1 = the first retry),
   * given the previous wait (0 before the first).
   */
  delay(retry: number, previousDelay: number): number;
}

/**
 * Options for {@link exponential}.
 *
 * @example
 * ```ts
 * import { exponential, type ExponentialOptions } from '@telltale/resilience';
 * const options: ExponentialOptions = { initial: '200ms', max: '5s', jitter: 'full' };
 * const backoff = exponential(options);
 * ```
 */
export interface ExponentialOptions {
  /** Base wait before the first retry (default `'100ms'`). */
  initial?: DurationInput;
  /** Largest wait (default `'30s'`). */
  max?: DurationInput;
  /** Growth factor per retry (default 2). */
  factor?: number;
  /**
   * `'full'` (default): uniform in [0, base·factor^(n-1)], AWS "full jitter";
   * `'decorrelated'`: uniform in [initial, previous·3], AWS "decorrelated jitter";
   * `'none'`: exactly base·factor^(n-1).
   */
  jitter?: Jitter;
  /** Random source in [0, 1), for tests (default `Math.random`). */
  random?: () => number;
}

/**
 * Exponential backoff with a cap and a jitter strategy, so many clients that
 * failed together do not retry together.
 *
 * @example
 * ```ts
 * import { exponential, retry } from '@telltale/resilience';
 * const policy = retry({ maxAttempts: 5, backoff: exponential({ initial: '200ms', max: '10s', jitter: 'decorrelated' }) });
 * ```
 */
export function exponential(options: ExponentialOptions = {}): Backoff {
  const input = check.object('exponential', options);
  const initial = check.duration('exponential.initial', input.initial, 100);
  const max = check.duration('exponential.max', input.max, 30_000);
  const factor = check.numberInRange('exponential.factor', input.factor, 1, 100, 2);
  const jitter = check.oneOf('exponential.jitter', input.jitter, ['full', 'decorrelated', 'none'], 'full');
  const random = check.optionalFunction<() => number>('exponential.random', input.random) ?? Math.random;
  if (max < initial) {
    throw new TelltaleConfigError({
      option: 'exponential.max',
      value: input.max,
      expected: `a duration >= initial (${initial}ms)`,
    });
  }
  return {
    delay(retry, previousDelay) {
      const base = Math.min(max, initial * factor ** Math.max(0, retry - 1));
      if (jitter === 'none') return base;
      if (jitter === 'full') return Math.round(random() * base);
      const upper = Math.min(max, Math.max(initial, previousDelay * 3));
      return Math.round(initial + random() * (upper - initial));
    },
  };
}

/**
 * The same wait before every retry.
 *
 * @example
 * ```ts
 * import { constant, retry } from '@telltale/resilience';
 * const policy = retry({ maxAttempts: 3, backoff: constant('1s') });
 * ```
 */
export function constant(wait: DurationInput): Backoff {
  const milliseconds = check.duration('constant', wait);
  return { delay: () => milliseconds };
}
