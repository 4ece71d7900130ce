import {
  delay,
  options as check,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
} from '@telltale/core';
import pRetry from 'p-retry';
import { exponential, type Backoff } from './backoff.js';
import { NEVER_CANCELLED } from './cancellation.js';
import { isLocalRefusal, retryBudgetExhaustedError } from './errors.js';
import { abortedBy, type ExecuteOptions, type Next, type Operation, type Policy, type Run } from './policy.js';
import { retryAfterFromError } from './http/retry-after.js';
import type { RetryBudget } from './retry-budget.js';
import { executeAlone } from './standalone.js';

/**
 * What `onRetry` listeners receive before each retry's wait.
 *
 * @example
 * ```ts
 * import { retry, type RetryEvent } from '@telltale/resilience';
 * const onRetry = ({ attempt, delayMs }: RetryEvent) => logger.warn({ attempt, delayMs }, 'retrying');
 * const policy = retry({ onRetry });
 * ```
 */
export interface RetryEvent {
  /** The attempt that is about to run (2 for the first retry). */
  attempt: number;
  /** How long we wait first, in milliseconds. */
  delayMs: number;
  /** Why the previous attempt failed. */
  error: unknown;
}

/**
 * Options for {@link retry}.
 *
 * @example
 * ```ts
 * import { exponential, retry, type RetryOptions } from '@telltale/resilience';
 * const options: RetryOptions = { maxAttempts: 5, backoff: exponential({ jitter: 'decorrelated' }), maxElapsed: '30s' };
 * const policy = retry(options);
 * ```
 */
export interface RetryOptions {
  /** Total attempts including the first (default 3). */
  maxAttempts?: number;
  /** Wait between attempts (default `exponential()`: 100 ms doubling to 30 s, full jitter). */
  backoff?: Backoff;
  /**
   * Which errors to retry (default: all). Open circuits, bulkhead and budget
   * rejections and aborts are never retried, whatever this returns.
   */
  retryOn?: (error: unknown) => boolean;
  /**
   * Honour the wait a dependency asked for (see {@link retryAfterFromError}):
   * the wait becomes max(backoff, Retry-After), capped at `max` (default 60 s).
   */
  respectRetryAfter?: boolean | { max?: DurationInput };
  /** Give up rather than start a wait that would end past this much time since the first attempt. */
  maxElapsed?: DurationInput;
  /** A shared {@link retryBudget}; when empty, retries are refused with `TELLTALE_RETRY_BUDGET_EXHAUSTED`. */
  budget?: RetryBudget;
  /** Called before each retry's wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Strategy name in events (default `'retry'`). */
  name?: string;
  /** Clock for tests. */
  clock?: Clock;
}

/**
 * A {@link Policy} that retries failed attempts.
 *
 * @example
 * ```ts
 * import { retry, type RetryPolicy } from '@telltale/resilience';
 * const policy: RetryPolicy = retry({ maxAttempts: 3 });
 * const data = await policy.execute(() => loadData());
 * ```
 */
export interface RetryPolicy extends Policy {
  readonly kind: 'retry';
  /** Total attempts including the first. */
  readonly maxAttempts: number;
}

/** Carries our decision through p-retry untouched (p-retry treats some error classes specially). */
class AttemptFailure extends Error {
  constructor(readonly original: unknown) {
    super('attempt failed');
  }
}

const unwrap = (error: unknown): unknown => (error instanceof AttemptFailure ? error.original : error);

/**
 * Retries failed attempts with backoff, built on `p-retry`, adding jitter
 * strategies, `Retry-After`, retry budgets, events and abortable waits. The
 * first attempt runs without touching p-retry, so the success path costs
 * almost nothing.
 *
 * @example
 * ```ts
 * import { exponential, retry } from '@telltale/resilience';
 * const policy = retry({
 *   maxAttempts: 4,
 *   backoff: exponential({ initial: '100ms', max: '5s', jitter: 'full' }),
 *   retryOn: (error) => !(error instanceof HttpError && error.status < 500),
 *   respectRetryAfter: { max: '30s' },
 * });
 * const data = await policy.execute(({ signal, attempt }) => load({ signal, attempt }));
 * ```
 */
export function retry(options: RetryOptions = {}): RetryPolicy {
  const input = check.object('retry', options);
  const maxAttempts = check.positiveInteger('retry.maxAttempts', input.maxAttempts, 3);
  const backoff = input.backoff ?? exponential();
  if (typeof backoff !== 'object' || backoff === null || typeof backoff.delay !== 'function') {
    throw new TelltaleConfigError({
      option: 'retry.backoff',
      value: input.backoff,
      expected: 'a backoff such as exponential({ ... })',
    });
  }
  const retryOn = check.optionalFunction<(error: unknown) => boolean>('retry.retryOn', input.retryOn);
  const onRetry = check.optionalFunction<(event: RetryEvent) => void>('retry.onRetry', input.onRetry);
  const respect = input.respectRetryAfter ?? false;
  const retryAfterCap =
    respect === false
      ? undefined
      : check.duration('retry.respectRetryAfter.max', respect === true ? undefined : respect.max, '60s');
  const maxElapsed = input.maxElapsed === undefined ? Infinity : check.duration('retry.maxElapsed', input.maxElapsed);
  const budget = input.budget;
  if (budget !== undefined && (typeof budget !== 'object' || typeof budget.tryAcquire !== 'function')) {
    throw new TelltaleConfigError({ option: 'retry.budget', value: budget, expected: 'a retryBudget({ ... })' });
  }
  const name = check.nonEmptyString('retry.name', input.name, 'retry');
  const clock = input.clock ?? systemClock;

  /** Decides whether attempt `failed` may be retried; waits if so, throws the error to surface if not. */
  const prepareRetry = async (
    error: unknown,
    failed: number,
    run: Run,
    state: { started: number; previousDelay: number },
  ): Promise<void> => {
    if (run.cancellation.aborted) throw abortedBy(run.cancellation);
    if (failed >= maxAttempts || isLocalRefusal(error) || (retryOn && !retryOn(error))) throw error;
    let wait = Math.max(0, backoff.delay(failed, state.previousDelay));
    if (retryAfterCap !== undefined) {
      const asked = retryAfterFromError(error, clock.now());
      if (asked !== undefined) wait = Math.max(wait, Math.min(asked, retryAfterCap));
    }
    if (clock.now() - state.started + wait > maxElapsed) {
      run.emit?.(name, 'retry-given-up', { attempt: failed, error });
      throw error;
    }
    if (budget && !budget.tryAcquire()) {
      const refusal = retryBudgetExhaustedError(error);
      run.emit?.(name, 'retry-budget-exhausted', { attempt: failed, error });
      throw refusal;
    }
    state.previousDelay = wait;
    run.emit?.(name, 'retry-scheduled', { attempt: failed + 1, delayMs: wait, error });
    onRetry?.({ attempt: failed + 1, delayMs: wait, error });
    // Without a caller signal the run shares one never-aborting signal process-wide: listening
    // on it would pile one listener per waiting retry onto it (MaxListenersExceededWarning).
    const signal = run.cancellation === NEVER_CANCELLED ? undefined : run.cancellation.signal;
    if (wait > 0) await delay(wait, { signal, clock });
  };

  const retryAfterFirstFailure = async <T>(firstError: unknown, next: Next<T>, run: Run): Promise<T> => {
    const state = { started: clock.now(), previousDelay: 0 };
    await prepareRetry(firstError, 1, run, state);
    try {
      return await pRetry(
        async (retryNumber) => {
          try {
            return await next({ ...run, attempt: retryNumber + 1 });
          } catch (error) {
            throw new AttemptFailure(error);
          }
        },
        {
          retries: maxAttempts - 2,
          // Waiting happens in shouldRetry on our clock, abortable; p-retry's own timer stays at 0.
          minTimeout: 0,
          factor: 1,
          shouldRetry: async ({ error, attemptNumber }) => {
            await prepareRetry(unwrap(error), attemptNumber + 1, run, state);
            return true;
          },
        },
      );
    } catch (error) {
      throw unwrap(error);
    }
  };

  const policy: RetryPolicy = {
    kind: 'retry',
    name,
    maxAttempts,
    execute<T>(operation: Operation<T>, executeOptions?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, executeOptions);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      budget?.recordRequest();
      if (maxAttempts === 1) return next(run);
      return next(run).catch((error: unknown) => retryAfterFirstFailure(error, next, run));
    },
  };
  return policy;
}
