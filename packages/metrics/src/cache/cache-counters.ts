import { bucketIndex } from '../buckets.js';

/**
 * Outcome of one cache lookup: a value was found, none was, or the cache failed.
 *
 * @example
 * ```ts
 * import type { CacheOutcome } from '@telltale/metrics';
 * const outcome: CacheOutcome = 'miss';
 * ```
 */
export type CacheOutcome = 'hit' | 'miss' | 'error';

export const CACHE_OUTCOMES: readonly CacheOutcome[] = Object.freeze(['hit', 'miss', 'error']);

/**
 * Bucket boundaries (seconds) of `telltale.cache.lookup.duration`: from
 * 10 µs (an in-process Map) to 1 s (a struggling remote cache).
 *
 * @example
 * ```ts
 * import { CACHE_LOOKUP_BUCKETS } from '@telltale/metrics';
 * CACHE_LOOKUP_BUCKETS[0]; // 0.00001
 * ```
 */
export const CACHE_LOOKUP_BUCKETS: readonly number[] = Object.freeze([
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);

/** Lookup durations of one (cache, outcome), pre-aggregated on the lookup path. */
export interface LookupDurations {
  readonly counts: Float64Array;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Everything recorded for one `cache.name`, shared by every wrapper with
 * that name. Counts are plain numbers bumped on the lookup path (exported
 * through observable instruments), so counting costs no allocation and no
 * SDK call whether or not an SDK is registered.
 */
export interface CacheCounters {
  readonly name: string;
  /** Epoch milliseconds when the name was first seen (the cumulative start). */
  readonly startedAt: number;
  hits: number;
  misses: number;
  errors: number;
  /** Reads the current entry count, where the cache knows it. */
  size: (() => number | undefined) | undefined;
  /** Per outcome (index of {@link CACHE_OUTCOMES}), when durations are pre-aggregated. */
  readonly durations: readonly LookupDurations[];
}

const REGISTRY = Symbol.for('telltale.metrics.caches');

// On globalThis so duplicated installs of this package report one set of caches.
const caches: Map<string, CacheCounters> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map<
  string,
  CacheCounters
>()) as Map<string, CacheCounters>;

function emptyDurations(): LookupDurations {
  return { counts: new Float64Array(CACHE_LOOKUP_BUCKETS.length + 1), count: 0, sum: 0, min: Infinity, max: -Infinity };
}

/** The statistics of `name`, created on first use. */
export function cacheCountersFor(name: string): CacheCounters {
  let statistics = caches.get(name);
  if (statistics === undefined) {
    statistics = {
      name,
      startedAt: Date.now(),
      hits: 0,
      misses: 0,
      errors: 0,
      size: undefined,
      durations: CACHE_OUTCOMES.map(emptyDurations),
    };
    caches.set(name, statistics);
  }
  return statistics;
}

/** Every cache of this process, in first-seen order. */
export function allCacheCounters(): IterableIterator<CacheCounters> {
  return caches.values();
}

/** Adds one lookup duration (seconds) to the pre-aggregated histogram. */
export function addLookupDuration(durations: LookupDurations, seconds: number): void {
  durations.counts[bucketIndex(CACHE_LOOKUP_BUCKETS, seconds)]!++;
  durations.count++;
  durations.sum += seconds;
  if (seconds < durations.min) durations.min = seconds;
  if (seconds > durations.max) durations.max = seconds;
}

/** The current entry count of a cache, or `undefined` when unknown or failing. */
export function sizeOf(statistics: CacheCounters): number | undefined {
  try {
    const size = statistics.size?.();
    return typeof size === 'number' && Number.isFinite(size) ? size : undefined;
  } catch {
    return undefined;
  }
}
