import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Time spent per metric (`db`, `cache`, `redis`, ...) inside one request.
 * Parallel arrays instead of a Map: a request touches two or three metrics,
 * and adding to one already seen allocates nothing.
 */
export interface RequestTiming {
  /** `performance.now()` when the request scope began. */
  readonly startedAt: number;
  readonly names: string[];
  readonly milliseconds: number[];
}

const STORAGE = Symbol.for('telltale.metrics.requestTiming');

// On globalThis so that duplicated installs of this package (and the pg/redis
// helpers of another copy) all add to the scope the middleware opened.
const storage: AsyncLocalStorage<RequestTiming> = ((globalThis as Record<symbol, unknown>)[STORAGE] ??=
  new AsyncLocalStorage<RequestTiming>()) as AsyncLocalStorage<RequestTiming>;

/**
 * Adds `milliseconds` to `metric` in the current request's Server-Timing
 * header. A no-op (one property read, nothing allocated) outside a request
 * scope opened by a `serverTiming()` middleware, so libraries can call it
 * unconditionally on their hot paths. Negative or non-finite values are ignored.
 *
 * @example
 * ```ts
 * import { addRequestTiming } from '@telltale/metrics';
 * const started = performance.now();
 * const rows = await pool.query('SELECT * FROM readings WHERE id = $1', [id]);
 * addRequestTiming('db', performance.now() - started);
 * ```
 */
export function addRequestTiming(metric: string, milliseconds: number): void {
  const timing = storage.getStore();
  if (timing !== undefined) addToRequestTiming(timing, metric, milliseconds);
}

/**
 * Adds to a timing record captured earlier with {@link currentRequestTiming}.
 * For drivers that complete work in callbacks running outside the request's
 * async context (node-postgres's `client.query(text, callback)`, which
 * `pool.query` uses): capture the record when the work starts, add when it ends.
 */
export function addToRequestTiming(timing: RequestTiming | undefined, metric: string, milliseconds: number): void {
  if (timing === undefined || !(milliseconds >= 0) || milliseconds === Infinity) return;
  const names = timing.names;
  for (let index = 0; index < names.length; index++) {
    if (names[index] === metric) {
      timing.milliseconds[index]! += milliseconds;
      return;
    }
  }
  names.push(metric);
  timing.milliseconds.push(milliseconds);
}

/**
 * Runs `fn` inside a fresh request-timing scope and returns what it returns;
 * everything `fn` starts (callbacks, promises) adds to that scope.
 * Internal: the `serverTiming()` adapters call it once per request.
 */
export function runWithRequestTiming<T>(timing: RequestTiming, fn: () => T): T {
  return storage.run(timing, fn);
}

/** A new, empty timing record starting now. */
export function createRequestTiming(): RequestTiming {
  return { startedAt: performance.now(), names: [], milliseconds: [] };
}

/** The scope of the current async context, if any (for tests and adapters). */
export function currentRequestTiming(): RequestTiming | undefined {
  return storage.getStore();
}

// RFC 7230 token characters: anything else would break the header.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The `Server-Timing` header value for `timing`: `total` (time since the
 * scope began) first, then each metric in the order first added, with
 * durations in milliseconds to 0.1 ms. Metric names that are not HTTP tokens
 * are left out rather than corrupting the header.
 */
export function formatServerTiming(timing: RequestTiming, now = performance.now()): string {
  let header = `total;dur=${(now - timing.startedAt).toFixed(1)}`;
  for (let index = 0; index < timing.names.length; index++) {
    const name = timing.names[index]!;
    if (name === 'total' || !TOKEN.test(name)) continue;
    header += `, ${name};dur=${timing.milliseconds[index]!.toFixed(1)}`;
  }
  return header;
}
