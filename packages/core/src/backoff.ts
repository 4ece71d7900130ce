import type { DurationInput } from './duration.js';
import { TelltaleConfigError } from './errors.js';
import { options as check } from './options.js';
import { renamedOption } from './renamed-option.js';

/**
 * Jitter strategies for {@link exponential}.
 *
 * @example
 * ```ts
 * import { exponential, type Jitter } from '@telltale/core';
 * const jitter: Jitter = 'decorrelated';
 * const backoff = exponential({ jitter });
 * ```
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

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
   * `'equal'`: half the base fixed, half uniform, AWS "equal jitter" (never collapses to zero);
   * `'decorrelated'`: uniform in [initial, previous·3], AWS "decorrelated jitter";
   * `'none'`: exactly base·factor^(n-1).
   */
  jitter?: Jitter;
  /** Random source in [0, 1), for tests (default `Math.random`). */
  random?: () => number;
}

/**
 * Exponential backoff with a cap and a jitter strategy, so many clients that
 * failed together do not retry together. The one backoff of every Telltale
 * package (`@telltale/resilience` re-exports it; notify and the alert router
 * use it for their retries).
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
  const jitter = check.oneOf('exponential.jitter', input.jitter, ['full', 'equal', 'decorrelated', 'none'], 'full');
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
      // The exponent is capped so a long rate-limit streak cannot overflow to Infinity·0 = NaN.
      const base = Math.min(max, initial * factor ** Math.min(Math.max(0, retry - 1), 64));
      if (jitter === 'none') return base;
      if (jitter === 'full') return Math.round(random() * base);
      if (jitter === 'equal') return Math.round(base / 2 + (random() * base) / 2);
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

/**
 * A package's `retry` backoff options: `exponential()`'s names, plus the pre-0.2
 * `initialDelay`/`maxDelay` aliases (deprecated).
 *
 * @example
 * ```ts
 * const retry: BackoffOptionsInput = { initial: '2s', max: '1m', jitter: 'equal' };
 * ```
 */
export interface BackoffOptionsInput {
  initial?: DurationInput | undefined;
  max?: DurationInput | undefined;
  jitter?: Jitter | undefined;
  /** @deprecated Renamed `initial`. */
  initialDelay?: DurationInput | undefined;
  /** @deprecated Renamed `max`. */
  maxDelay?: DurationInput | undefined;
}

/**
 * Validates a package's `retry` backoff options (named `prefix` in errors) into
 * {@link exponential}, so every package reads them the same way: the deprecated aliases
 * are accepted (both names at once is an error), a first wait above the cap means "wait
 * the cap" (as the packages' own loops always did), and only `jitters` are allowed.
 *
 * @example
 * ```ts
 * import { backoffFromOptions } from '@telltale/core';
 * const backoff = backoffFromOptions('retry', options.retry, { initial: '1s', max: '5m', jitter: 'equal' });
 * backoff.delay(1, 0); // 500..1000
 * ```
 */
export function backoffFromOptions(
  prefix: string,
  input: BackoffOptionsInput | undefined,
  defaults: { initial: DurationInput; max: DurationInput; jitter: Jitter; jitters?: readonly Jitter[] },
  random?: () => number,
): Backoff {
  const values = check.object(prefix, input);
  const initial = renamedOption(prefix, values, 'initial', 'initialDelay');
  const max = renamedOption(prefix, values, 'max', 'maxDelay');
  const initialMs = check.duration(initial.option, initial.value, defaults.initial);
  const maxMs = check.duration(max.option, max.value, defaults.max);
  const jitters = defaults.jitters ?? ['full', 'equal', 'decorrelated', 'none'];
  return exponential({
    initial: Math.min(initialMs, maxMs),
    max: maxMs,
    jitter: check.oneOf(`${prefix}.jitter`, values.jitter, jitters, defaults.jitter),
    ...(random === undefined ? {} : { random }),
  });
}
