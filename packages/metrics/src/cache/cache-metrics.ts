import type { Attributes } from '@opentelemetry/api';
import { options as check, TelltaleConfigError, type MeterProviderLike } from '@telltale/core';
import { instrumentSource, type InstrumentState } from '../meter.js';
import { addToRequestTiming, currentRequestTiming, type RequestTiming } from '../server-timing/request-timing.js';
import { cacheInstrumentsFor, type CacheInstruments } from './cache-instruments.js';
import { addLookupDuration, cacheCountersFor, type CacheCounters } from './cache-counters.js';

/**
 * Any cache with `get` and `set`: a `Map`, `lru-cache`, an ioredis or node-redis client.
 *
 * @example
 * ```ts
 * import type { GetSetCache } from '@telltale/metrics';
 * const cache: GetSetCache = new Map<string, number>();
 * ```
 */
export interface GetSetCache {
  get(key: never): unknown;
  set(key: never, value: never, ...rest: never[]): unknown;
}

/**
 * Options of {@link cacheMetrics}.
 *
 * @example
 * ```ts
 * import type { CacheMetricsOptions } from '@telltale/metrics';
 * // A cache that stores 0 for "known absent": only positive values are hits.
 * const options: CacheMetricsOptions = { isHit: (value) => typeof value === 'number' && value > 0 };
 * ```
 */
export interface CacheMetricsOptions {
  /**
   * Meter provider to record into. Default: the current global one. `false` disables recording:
   * no instrument or size callback is registered and nothing is recorded.
   */
  meterProvider?: MeterProviderLike | false;
  /**
   * Reads the current number of entries for `telltale.cache.size`.
   * Default: the cache's own `size` property when it is a number (`Map`,
   * `lru-cache`); none otherwise (a Redis database is shared, so its size is
   * not this cache's).
   */
  size?: () => number | undefined;
  /**
   * Decides whether a value returned by `get` is a hit. Default: anything
   * but `undefined` and `null` (Redis returns `null` for a missing key).
   */
  isHit?: (value: unknown) => boolean;
}

/**
 * The wrapped cache: the same `get` and `set`, measured.
 *
 * @example
 * ```ts
 * import { cacheMetrics, type MeteredCache } from '@telltale/metrics';
 * const prices: MeteredCache<Map<string, number>> = cacheMetrics('prices', new Map<string, number>());
 * prices.cache.delete('sku-1'); // everything else is on .cache
 * ```
 */
export interface MeteredCache<Cache extends GetSetCache> {
  /** The `cache.name` attribute. */
  readonly name: string;
  /** The wrapped cache, for every other operation. */
  readonly cache: Cache;
  /** `cache.get(key)`, counted as a hit, miss or error and timed. Returns what the cache returns. */
  readonly get: Cache['get'];
  /** `cache.set(...)`, passed through unchanged. */
  readonly set: Cache['set'];
}

type State = InstrumentState<CacheInstruments>;

const OUTCOME_HIT = 0;
const OUTCOME_MISS = 1;
const OUTCOME_ERROR = 2;

const defaultIsHit = (value: unknown): boolean => value !== undefined && value !== null;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function defaultSize(cache: GetSetCache): (() => number | undefined) | undefined {
  if (typeof (cache as { size?: unknown }).size !== 'number') return undefined;
  return () => (cache as { size?: number }).size;
}

/**
 * Wraps a get/set cache so every `get` counts `telltale.cache.requests`
 * (`cache.name`, `outcome` = `hit`/`miss`/`error`), records
 * `telltale.cache.lookup.duration` (seconds) and adds to the `cache` entry
 * of the request's `Server-Timing` header; `telltale.cache.size` is
 * observed where the size is known. Sync caches stay sync, async ones
 * (Redis) return their promise; values and errors pass through unchanged.
 * Counting is a few integer increments; without an SDK and outside a
 * Server-Timing request nothing is timed or allocated.
 *
 * @example
 * ```ts
 * import { LRUCache } from 'lru-cache';
 * import { cacheMetrics } from '@telltale/metrics';
 *
 * const readings = cacheMetrics('readings', new LRUCache<string, Reading>({ max: 10_000 }));
 * const cached = readings.get(id) ?? (await loadReading(id));
 * readings.set(id, cached);
 * // Redis: const sessions = cacheMetrics('sessions', redis); await sessions.get(`session:${id}`);
 * ```
 */
export function cacheMetrics<Cache extends GetSetCache>(
  name: string,
  cache: Cache,
  options: CacheMetricsOptions = {},
): MeteredCache<Cache> {
  check.nonEmptyString('name', name);
  if (
    typeof cache !== 'object' ||
    cache === null ||
    typeof cache.get !== 'function' ||
    typeof cache.set !== 'function'
  ) {
    throw new TelltaleConfigError({
      option: 'cache',
      value: cache,
      expected: 'an object with get() and set() methods',
    });
  }
  check.object('options', options);
  const size = check.optionalFunction<() => number | undefined>('size', options.size) ?? defaultSize(cache);
  const isHit = check.optionalFunction<(value: unknown) => boolean>('isHit', options.isHit) ?? defaultIsHit;
  const statistics: CacheCounters = cacheCountersFor(name);
  statistics.size = size;
  const attributes: Attributes[] = ['hit', 'miss', 'error'].map((outcome) => ({ 'cache.name': name, outcome }));
  const instruments = instrumentSource(options.meterProvider, (meter, provider) =>
    cacheInstrumentsFor(provider, meter),
  );
  // A second argument passes through (lru-cache's get options).
  const get = (cache.get as (key: unknown, options?: unknown) => unknown).bind(cache);

  const count = (outcome: number): void => {
    if (outcome === OUTCOME_HIT) statistics.hits++;
    else if (outcome === OUTCOME_MISS) statistics.misses++;
    else statistics.errors++;
  };
  const NOT_TIMED = -1;
  const settle = (outcome: number, started: number, state: State, timing: RequestTiming | undefined): void => {
    count(outcome);
    if (started === NOT_TIMED) return;
    const milliseconds = performance.now() - started;
    // The record captured when the lookup began: a client may settle outside the request's context.
    addToRequestTiming(timing, 'cache', milliseconds);
    if (!state.recording) return;
    const histogram = state.instruments.duration;
    if (histogram === undefined) addLookupDuration(statistics.durations[outcome]!, milliseconds / 1000);
    else histogram.record(milliseconds / 1000, attributes[outcome]);
  };

  const meteredGet = (key: unknown, getOptions?: unknown): unknown => {
    const state = instruments();
    const timing = currentRequestTiming();
    // Without an SDK and outside a Server-Timing request there is nothing to time: count only.
    const started = state.recording || timing !== undefined ? performance.now() : NOT_TIMED;
    let value: unknown;
    try {
      value = getOptions === undefined ? get(key) : get(key, getOptions);
    } catch (error) {
      settle(OUTCOME_ERROR, started, state, timing);
      throw error;
    }
    if (!isThenable(value)) {
      settle(isHit(value) ? OUTCOME_HIT : OUTCOME_MISS, started, state, timing);
      return value;
    }
    return Promise.resolve(value).then(
      (resolved) => {
        settle(isHit(resolved) ? OUTCOME_HIT : OUTCOME_MISS, started, state, timing);
        return resolved;
      },
      (error: unknown) => {
        settle(OUTCOME_ERROR, started, state, timing);
        throw error;
      },
    );
  };

  return {
    name,
    cache,
    get: meteredGet,
    set: (cache.set as (...values: unknown[]) => unknown).bind(cache),
  };
}
