import { options as check, TelltaleConfigError } from '@telltale/core';
import { bulkheadRejectedError } from './errors.js';
import {
  abortedBy,
  type ExecuteOptions,
  type Next,
  type Operation,
  type Policy,
  type Priority,
  type Run,
} from './policy.js';
import { executeAlone } from './standalone.js';

/**
 * Options for {@link bulkhead}.
 *
 * @example
 * ```ts
 * import { bulkhead, type BulkheadOptions } from '@telltale/resilience';
 * const options: BulkheadOptions = { concurrency: 8, queue: 100, priority: true };
 * const limiter = bulkhead(options);
 * ```
 */
export interface BulkheadOptions {
  /** Calls allowed to run at once (required). */
  concurrency: number;
  /** Calls allowed to wait for a slot (default 0: reject at once when full). */
  queue?: number;
  /**
   * Priority lanes: waiting calls leave the queue high → medium → low (FIFO
   * within a lane), and when the queue is full a higher-priority call evicts
   * the newest lower-priority waiter, which is rejected. Default false (one FIFO).
   */
  priority?: boolean;
  /** Strategy name (default `'bulkhead'`). */
  name?: string;
}

/**
 * Occupancy of a {@link BulkheadPolicy}.
 *
 * @example
 * ```ts
 * import { bulkhead } from '@telltale/resilience';
 * const limiter = bulkhead({ concurrency: 2, queue: 10 });
 * const { active, queued, rejected } = limiter.stats();
 * ```
 */
export interface BulkheadStats {
  active: number;
  queued: number;
  rejected: number;
}

/**
 * A {@link Policy} limiting concurrency.
 *
 * @example
 * ```ts
 * import { bulkhead, type BulkheadPolicy } from '@telltale/resilience';
 * const limiter: BulkheadPolicy = bulkhead({ concurrency: 4 });
 * await limiter.execute(() => renderPdf(invoice));
 * ```
 */
export interface BulkheadPolicy extends Policy {
  readonly kind: 'bulkhead';
  /** Current occupancy and rejections so far. */
  stats(): BulkheadStats;
}

interface Waiter {
  start: () => void;
  fail: (error: unknown) => void;
}

const LANES: readonly Priority[] = ['high', 'medium', 'low'];

/**
 * Limits concurrent calls, with an optional bounded queue and priority
 * lanes. Rejections are `TELLTALE_BULKHEAD_REJECTED`: never retried and
 * never counted as failures by a breaker. Waiting calls are abortable.
 *
 * @example
 * ```ts
 * import { bulkhead } from '@telltale/resilience';
 * const limiter = bulkhead({ concurrency: 4, queue: 20, priority: true });
 * await limiter.execute(() => render(report), { priority: 'low' });
 * ```
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  const input = check.object('bulkhead', options);
  const concurrency = check.positiveInteger('bulkhead.concurrency', input.concurrency);
  const capacity = check.nonNegativeInteger('bulkhead.queue', input.queue, 0);
  const prioritized = input.priority ?? false;
  if (typeof prioritized !== 'boolean') {
    throw new TelltaleConfigError({ option: 'bulkhead.priority', value: prioritized, expected: 'true or false' });
  }
  const name = check.nonEmptyString('bulkhead.name', input.name, 'bulkhead');
  const lanes: Record<Priority, Waiter[]> = { high: [], medium: [], low: [] };
  let active = 0;
  let queued = 0;
  let rejected = 0;

  const laneOf = (run: Run): Priority => (prioritized ? (run.priority ?? 'medium') : 'medium');

  const startNext = (): void => {
    for (const lane of LANES) {
      const waiter = lanes[lane].shift();
      if (waiter) {
        queued--;
        waiter.start();
        return;
      }
    }
  };

  const runNow = <T>(next: Next<T>, run: Run): Promise<T> => {
    active++;
    let promise: Promise<T>;
    try {
      promise = next(run);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
      promise = Promise.reject(error);
    }
    return promise.then(
      (value) => {
        active--;
        startNext();
        return value;
      },
      (error: unknown) => {
        active--;
        startNext();
        throw error;
      },
    );
  };

  const refuse = <T>(run: Run, reason: 'queue-full' | 'evicted'): Promise<T> => {
    rejected++;
    const error = bulkheadRejectedError(name, reason);
    run.emit?.(name, 'bulkhead-rejected', { attempt: run.attempt, error });
    return Promise.reject(error);
  };

  /** Makes room for a `lane` caller by evicting the newest waiter of a lower lane; false if none. */
  const evictBelow = (lane: Priority): boolean => {
    for (let index = LANES.length - 1; index > LANES.indexOf(lane); index--) {
      const victim = lanes[LANES[index]!].pop();
      if (victim) {
        queued--;
        rejected++;
        victim.fail(bulkheadRejectedError(name, 'evicted'));
        return true;
      }
    }
    return false;
  };

  const policy: BulkheadPolicy = {
    kind: 'bulkhead',
    name,
    stats: () => ({ active, queued, rejected }),
    execute<T>(operation: Operation<T>, executeOptions?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, executeOptions);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      if (active < concurrency && queued === 0) return runNow(next, run);
      const lane = laneOf(run);
      if (queued >= capacity && !(prioritized && evictBelow(lane))) return refuse(run, 'queue-full');
      const cancellation = run.cancellation;
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => {
            stopListening();
            runNow(next, run).then(resolve, reject);
          },
          fail: (error) => {
            stopListening();
            run.emit?.(name, 'bulkhead-rejected', { attempt: run.attempt, error });
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
            reject(error);
          },
        };
        lanes[lane].push(waiter);
        queued++;
        const stopListening = cancellation.onAbort(() => {
          const list = lanes[lane];
          const index = list.indexOf(waiter);
          if (index !== -1) {
            list.splice(index, 1);
            queued--;
          }
          reject(abortedBy(cancellation));
        });
      });
    },
  };
  return policy;
}
