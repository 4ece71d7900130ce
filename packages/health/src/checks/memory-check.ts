import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { options as validate } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';
import { percent, ratioThresholds, statusFor } from './thresholds.js';

/**
 * Options of {@link memoryCheck}. Thresholds are ratios of the limit.
 *
 * @example
 * ```ts
 * import type { MemoryCheckOptions } from '@telltale/health';
 * const options: MemoryCheckOptions = { of: 'rss', warnAt: 0.8, failAt: 0.95 };
 * ```
 */
export interface MemoryCheckOptions {
  /** `heap`: V8 heap used / heap size limit (default). `rss`: resident set / container (cgroup) limit or total memory. */
  of?: 'heap' | 'rss';
  /** Ratio at which the check warns. Default `0.9`. */
  warnAt?: number;
  /** Ratio at which the check fails. Default `0.98`. */
  failAt?: number;
  /** Reads `{ used, limit }` in bytes instead of the process (for tests or custom sources). */
  sample?: () => { used: number; limit: number };
}

function heapSample(): { used: number; limit: number } {
  const statistics = getHeapStatistics();
  return { used: statistics.used_heap_size, limit: statistics.heap_size_limit };
}

function rssSample(): { used: number; limit: number } {
  const total = totalmem();
  const constrained = process.constrainedMemory?.();
  // Unconstrained cgroups report an absurd limit: cap at physical memory.
  const limit = constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
  return { used: process.memoryUsage.rss(), limit };
}

/**
 * Heap or RSS usage as a percentage of its limit: `warn` from `warnAt`,
 * `fail` from `failAt`. A process-only check, suited to the `live` group
 * (with care: failing liveness restarts the pod).
 *
 * @example
 * ```ts
 * import { memoryCheck } from '@telltale/health';
 * registry.register('memory', memoryCheck({ of: 'heap', warnAt: 0.85, failAt: 0.97 }), { tags: ['live'] });
 * ```
 */
export function memoryCheck(options: MemoryCheckOptions = {}): HealthCheck & HealthCheckDefaults {
  validate.object('memoryCheck options', options);
  const of = validate.oneOf('memoryCheck.of', options.of, ['heap', 'rss'], 'heap');
  const thresholds = ratioThresholds('memoryCheck', options.warnAt, options.failAt, { warnAt: 0.9, failAt: 0.98 });
  const sample =
    validate.optionalFunction<() => { used: number; limit: number }>('memoryCheck.sample', options.sample) ??
    (of === 'heap' ? heapSample : rssSample);
  const check = () => {
    const { used, limit } = sample();
    const ratio = limit > 0 ? used / limit : 0;
    const status = statusFor(ratio, thresholds);
    const result = { status, observedValue: percent(ratio), observedUnit: '%' };
    if (status === 'pass') return result;
    const mebibytes = (bytes: number) => `${Math.round(bytes / 1_048_576)} MiB`;
    return { ...result, output: `${of} at ${percent(ratio)}% (${mebibytes(used)} of ${mebibytes(limit)})` };
  };
  return Object.assign(check, { measurement: 'utilization', componentType: 'system' });
}
