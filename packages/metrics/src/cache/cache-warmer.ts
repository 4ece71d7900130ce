import {
  describeError,
  options as check,
  redactSecrets,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type Logger,
  type TimerHandle,
} from '@telltale/core';

function positiveDuration(option: string, value: DurationInput): number {
  const milliseconds = check.duration(option, value);
  if (milliseconds <= 0) throw new TelltaleConfigError({ option, value, expected: 'a duration above zero' });
  return milliseconds;
}

/**
 * What the warmer's health check reports (the `@telltale/health` check result shape).
 *
 * @example
 * ```ts
 * import type { CacheWarmerCheckResult } from '@telltale/metrics';
 * const cold: CacheWarmerCheckResult = { status: 'fail', output: 'first cache warm not complete' };
 * ```
 */
export interface CacheWarmerCheckResult {
  status: 'pass' | 'warn' | 'fail';
  output?: string;
}

/**
 * The part of a health registry the warmer uses: `@telltale/health`'s
 * `createHealthRegistry()` fits, without this package depending on it.
 *
 * @example
 * ```ts
 * import { createHealthRegistry } from '@telltale/health';
 * import type { CacheWarmerHealthRegistry } from '@telltale/metrics';
 * const health: CacheWarmerHealthRegistry = createHealthRegistry();
 * ```
 */
export interface CacheWarmerHealthRegistry {
  register(
    name: string,
    check: () => CacheWarmerCheckResult,
    options?: { tags?: string[] },
  ): { dispose(): void } | undefined | void;
}

/**
 * Options of {@link cacheWarmer}.
 *
 * @example
 * ```ts
 * import type { CacheWarmerOptions } from '@telltale/metrics';
 * const options: CacheWarmerOptions = { load: () => undefined, every: '10m', retryAfter: '30s' };
 * ```
 */
export interface CacheWarmerOptions {
  /** Fills the cache. Honour `signal`: it is aborted by `close()`. */
  load: (context: { signal: AbortSignal }) => unknown;
  /** Warm again this long after each warm finishes (`'5m'`). Default: warm once. */
  every?: DurationInput;
  /** After a failed warm, try again this soon (capped by `every`). Default `'5s'`. */
  retryAfter?: DurationInput;
  /** Registers the warmer's check as a `startup` check here. */
  health?: CacheWarmerHealthRegistry;
  /** Name of the health check. Default `cache-warm`. */
  name?: string;
  clock?: Clock;
  /** Failed warms are logged at `warn`. Default: silent. */
  logger?: Partial<Logger>;
}

/**
 * A running cache warmer, from {@link cacheWarmer}.
 *
 * @example
 * ```ts
 * import type { CacheWarmer } from '@telltale/metrics';
 * const warmOnDeploy = (warmer: CacheWarmer) => (warmer.warmed ? Promise.resolve() : warmer.warmNow());
 * ```
 */
export interface CacheWarmer {
  /** True once a warm has completed. */
  readonly warmed: boolean;
  /**
   * Health check: `fail` until the first warm completes (holding a startup
   * probe), then `pass`, or `warn` while re-warms are failing (the cache
   * still holds the last good data).
   */
  readonly check: () => CacheWarmerCheckResult;
  /** Warms now (or joins the warm in progress); rejects with the load's error. */
  warmNow(): Promise<void>;
  /** Stops the timer, aborts a running load and waits for it to settle. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Warms a cache at start and then every `every`, on a background
 * (`unref`ed) timer, and holds a `startup` health check until the first warm
 * completes, so traffic arrives only once the cache is filled.
 *
 * @example
 * ```ts
 * import { cacheMetrics, cacheWarmer } from '@telltale/metrics';
 * import { createHealthRegistry } from '@telltale/health';
 *
 * const health = createHealthRegistry();
 * const readings = cacheMetrics('readings', new Map<string, Reading>());
 * const warmer = cacheWarmer({
 *   load: async ({ signal }) => {
 *     for (const reading of await loadPopularReadings({ signal })) readings.set(reading.id, reading);
 *   },
 *   every: '10m',
 *   health,
 * });
 * process.on('SIGTERM', () => void warmer.close());
 * ```
 */
export function cacheWarmer(options: CacheWarmerOptions): CacheWarmer {
  check.object('options', options);
  const load = options.load;
  if (typeof load !== 'function') {
    throw new TelltaleConfigError({ option: 'load', value: load, expected: 'a function filling the cache' });
  }
  const every = options.every === undefined ? undefined : positiveDuration('every', options.every);
  const retryAfter = Math.min(positiveDuration('retryAfter', options.retryAfter ?? '5s'), every ?? Infinity);
  const name = check.nonEmptyString('name', options.name, 'cache-warm');
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);

  let warmed = false;
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;
  const controller = new AbortController();

  const schedule = (milliseconds: number): void => {
    if (closed) return;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        warm().catch(() => undefined);
      },
      milliseconds,
      { background: true },
    );
  };

  const warm = (): Promise<void> => {
    if (running !== undefined) return running;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    running = (async () => {
      try {
        await load({ signal: controller.signal });
        warmed = true;
        lastError = undefined;
        if (every !== undefined) schedule(every);
      } catch (error) {
        lastError = redactSecrets(describeError(error, { maxLength: 300 }));
        if (!closed) logger.warn({ warmer: name, error: lastError }, 'cache warmer: warm failed');
        schedule(retryAfter);
        throw error;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const healthCheck = (): CacheWarmerCheckResult => {
    if (!warmed) return { status: 'fail', output: lastError ?? 'first cache warm not complete' };
    if (lastError !== undefined) return { status: 'warn', output: `re-warm failed: ${lastError}` };
    return { status: 'pass' };
  };
  const registration = options.health?.register(name, healthCheck, { tags: ['startup'] });
  warm().catch(() => undefined);

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    controller.abort();
    await running?.catch(() => undefined);
    if (registration) registration.dispose();
  };

  return {
    get warmed() {
      return warmed;
    },
    check: healthCheck,
    warmNow: () => (closed ? Promise.resolve() : warm()),
    close,
    [Symbol.asyncDispose]: close,
  };
}
