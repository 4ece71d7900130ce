import { options as check, TelltaleConfigError, type Clock } from '@telltale/core';
import { exponential } from '../backoff.js';
import { bulkhead } from '../bulkhead.js';
import { pipeline, type Pipeline } from '../pipeline.js';
import type { Policy } from '../policy.js';
import { retry } from '../retry.js';
import { timeout } from '../timeout.js';
import type { JobTypeOptions, JobTypeStats } from './types.js';

/** One job type, ready to run: its options, its policy pipeline and its counters. */
export interface JobTypeRuntime {
  readonly options: JobTypeOptions<unknown>;
  readonly pipeline: Pipeline;
  readonly stats: JobTypeStats;
}

/**
 * Validates the job types and builds a pipeline per type: retry, the type's
 * own bulkhead, the shared priority bulkhead (`concurrency`, default the sum
 * of the types'), then the per-attempt timeout.
 */
export function jobTypeRuntimes(
  typeEntries: readonly [string, JobTypeOptions<never>][],
  concurrencyOption: number | undefined,
  maxQueued: number,
  clock: Clock,
): Map<string, JobTypeRuntime> {
  let totalConcurrency = 0;
  const prepared = typeEntries.map(([type, raw]) => {
    const typeOptions = check.object(`jobQueue.types.${type}`, raw as JobTypeOptions<unknown>);
    if (typeof typeOptions.handler !== 'function') {
      throw new TelltaleConfigError({
        option: `jobQueue.types.${type}.handler`,
        value: typeOptions.handler,
        expected: 'a function',
      });
    }
    const concurrency = check.positiveInteger(`jobQueue.types.${type}.concurrency`, typeOptions.concurrency, 1);
    check.oneOf(`jobQueue.types.${type}.priority`, typeOptions.priority, ['high', 'medium', 'low'], 'medium');
    totalConcurrency += concurrency;
    return { type, typeOptions, concurrency };
  });
  const shared = bulkhead({
    name: 'jobs',
    concurrency: check.positiveInteger('jobQueue.concurrency', concurrencyOption, totalConcurrency),
    queue: maxQueued,
    priority: true,
  });
  const types = new Map<string, JobTypeRuntime>();
  for (const { type, typeOptions, concurrency } of prepared) {
    const stats: JobTypeStats = { queued: 0, active: 0, completed: 0, deadLettered: 0, duplicates: 0, retries: 0 };
    const policies: Policy[] = [
      retry({
        name: `${type}-retry`,
        maxAttempts: check.positiveInteger(`jobQueue.types.${type}.maxAttempts`, typeOptions.maxAttempts, 3),
        backoff: typeOptions.backoff ?? exponential({ initial: '1s', max: '5m' }),
        ...(typeOptions.retryOn ? { retryOn: typeOptions.retryOn } : {}),
        respectRetryAfter: true,
        clock,
      }),
      // Per type first, so a saturated type waits in its own queue without holding shared slots.
      bulkhead({ name: type, concurrency, queue: maxQueued }),
      shared,
    ];
    if (typeOptions.timeout !== undefined)
      policies.push(timeout({ duration: typeOptions.timeout, name: `${type}-timeout`, clock }));
    const typePipeline = pipeline(`job:${type}`, ...policies);
    typePipeline.onEvent((event) => {
      if (event.type === 'retry-scheduled') stats.retries++;
    });
    types.set(type, { options: typeOptions, pipeline: typePipeline, stats });
  }
  return types;
}
