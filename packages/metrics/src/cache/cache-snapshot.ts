import { allCacheCounters, sizeOf } from './cache-counters.js';

/**
 * Lookups of one cache in a snapshot (`snapshot().caches`).
 *
 * @example
 * ```ts
 * import type { CacheStatistics } from '@telltale/metrics';
 * const cold = (cache: CacheStatistics) => cache.hitRatio !== undefined && cache.hitRatio < 0.85;
 * ```
 */
export interface CacheStatistics {
  /** The `cache.name` given to `cacheMetrics`. */
  readonly name: string;
  /** Lookups in the interval: hits + misses + errors. */
  readonly requests: number;
  readonly hits: number;
  readonly misses: number;
  /** Lookups where the cache itself failed (thrown or rejected). */
  readonly errors: number;
  /**
   * `hits / (hits + misses)`, 0..1, the figure the "hit ratio below 85 %"
   * alert watches; errors are counted apart. `undefined` with no hit or miss.
   */
  readonly hitRatio: number | undefined;
  /** Entries now, where the cache reports its size. */
  readonly size: number | undefined;
}

/**
 * Per-cache statistics of every `cacheMetrics` cache in this process,
 * cumulative, or since `previous` (an earlier result) when given. Caches
 * with no lookup in the interval are left out of an interval snapshot.
 */
export function cacheSnapshot(previous?: readonly CacheStatistics[]): CacheStatistics[] {
  const before = new Map<string, CacheStatistics>();
  for (const entry of previous ?? []) before.set(entry.name, entry);
  const caches: CacheStatistics[] = [];
  for (const counters of allCacheCounters()) {
    const earlier = before.get(counters.name);
    const hits = counters.hits - (earlier?.hits ?? 0);
    const misses = counters.misses - (earlier?.misses ?? 0);
    const errors = counters.errors - (earlier?.errors ?? 0);
    const requests = hits + misses + errors;
    if (previous !== undefined && requests === 0) continue;
    caches.push({
      name: counters.name,
      requests,
      hits,
      misses,
      errors,
      hitRatio: hits + misses > 0 ? hits / (hits + misses) : undefined,
      size: sizeOf(counters),
    });
  }
  return caches;
}
