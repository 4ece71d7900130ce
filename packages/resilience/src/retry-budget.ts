import { options as check, systemClock, TelltaleConfigError, type Clock, type DurationInput } from '@telltale/core';
import { RollingWindow } from './rolling-window.js';

/**
 * Options for {@link retryBudget}.
 *
 * @example
 * ```ts
 * import { retryBudget, type RetryBudgetOptions } from '@telltale/resilience';
 * const options: RetryBudgetOptions = { ratio: 0.1, minPerSecond: 5, window: '30s' };
 * const budget = retryBudget(options);
 * ```
 */
export interface RetryBudgetOptions {
  /** Retries allowed per request, on top of the reserve (default 0.2: at most 20% extra load). */
  ratio?: number;
  /** Retries always allowed per second, so low-traffic callers can still retry (default 10). */
  minPerSecond?: number;
  /** How long deposits and withdrawals count (default `'10s'`). */
  window?: DurationInput;
  /** Clock for tests. */
  clock?: Clock;
}

/**
 * Counters of a {@link RetryBudget}, over its window.
 *
 * @example
 * ```ts
 * import { retryBudget } from '@telltale/resilience';
 * const budget = retryBudget();
 * const { requests, retries, refused, available } = budget.stats();
 * ```
 */
export interface RetryBudgetStats {
  requests: number;
  retries: number;
  /** Retries refused because the budget was empty (since creation). */
  refused: number;
  /** Retries that may still be made right now. */
  available: number;
}

/**
 * A token bucket for retries shared by every retry policy given it.
 *
 * @example
 * ```ts
 * import { retry, retryBudget, type RetryBudget } from '@telltale/resilience';
 * const budget: RetryBudget = retryBudget();
 * const a = retry({ budget });
 * const b = retry({ budget }); // same dependency, same budget
 * ```
 */
export interface RetryBudget {
  /** Records one request (a deposit of `ratio` tokens). Retry policies call this once per call. */
  recordRequest(): void;
  /** Takes one retry token; false (and counted as refused) when the budget is empty. */
  tryAcquire(): boolean;
  /** Current counters. */
  stats(): RetryBudgetStats;
}

const REQUESTS = 0;
const RETRIES = 1;

/**
 * A retry budget with Finagle's semantics: over the last `window`, retries
 * may not exceed `ratio` × requests plus a reserve of `minPerSecond` ×
 * window seconds. During an outage retries stop at ~`ratio` extra load
 * instead of multiplying it by `maxAttempts`. Share one budget between all
 * pipelines that call the same dependency.
 *
 * @example
 * ```ts
 * import { retry, retryBudget } from '@telltale/resilience';
 * const budget = retryBudget({ ratio: 0.2, minPerSecond: 10, window: '10s' });
 * const policy = retry({ maxAttempts: 3, budget });
 * ```
 */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const input = check.object('retryBudget', options);
  const ratio = check.numberInRange('retryBudget.ratio', input.ratio, 0, 1000, 0.2);
  const minPerSecond = check.numberInRange('retryBudget.minPerSecond', input.minPerSecond, 0, 1e9, 10);
  const window = check.duration('retryBudget.window', input.window, '10s');
  if (window < 1000) {
    throw new TelltaleConfigError({ option: 'retryBudget.window', value: input.window, expected: 'a duration >= 1s' });
  }
  const counts = new RollingWindow(input.clock ?? systemClock, window, 10, 2);
  const reserve = (minPerSecond * window) / 1000;
  let refused = 0;
  const available = (): number => Math.max(0, Math.floor(reserve + ratio * counts.sum(REQUESTS) - counts.sum(RETRIES)));
  return {
    recordRequest: () => counts.add(REQUESTS),
    tryAcquire() {
      if (available() < 1) {
        refused++;
        return false;
      }
      counts.add(RETRIES);
      return true;
    },
    stats: () => ({ requests: counts.sum(REQUESTS), retries: counts.sum(RETRIES), refused, available: available() }),
  };
}
