/**
 * The view types are the dashboard's port: small, stable shapes that an app
 * maps each Telltale package (or anything else) into. The dashboard never
 * imports the packages it shows, so their APIs can evolve independently.
 */

/**
 * Statistics of one route over the last interval. The shape matches the
 * entries of `@telltale/metrics`' `snapshot({ since: previous }).routes`,
 * so those can be passed through as they are.
 *
 * @example
 * ```ts
 * import type { RouteStats } from '@telltale/dashboard';
 * const row: RouteStats = { method: 'GET', route: '/users/:id', rate: 12.5, p50: 0.004, p95: 0.02, p99: 0.05, errorRatio: 0.01 };
 * ```
 */
export interface RouteStats {
  /** HTTP method, e.g. `GET`. */
  readonly method: string;
  /** Route template (`/users/:id`); `undefined` for requests no route matched. */
  readonly route: string | undefined;
  /** Requests per second over the interval. */
  readonly rate: number;
  /** Median duration in seconds; `undefined` when there were no requests. */
  readonly p50?: number | undefined;
  /** 95th percentile duration in seconds. */
  readonly p95?: number | undefined;
  /** 99th percentile duration in seconds. */
  readonly p99?: number | undefined;
  /** Share of failed requests, 0..1. */
  readonly errorRatio: number;
  /** Requests in the interval (optional). */
  readonly count?: number;
}

/**
 * Status values of an `application/health+json` document.
 *
 * @example
 * ```ts
 * import type { HealthStatus } from '@telltale/dashboard';
 * const status: HealthStatus = 'warn';
 * ```
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/**
 * One entry of a health document's `checks` map (IETF draft
 * `application/health+json`).
 *
 * @example
 * ```ts
 * import type { HealthCheckResult } from '@telltale/dashboard';
 * const result: HealthCheckResult = { status: 'pass', componentType: 'datastore', observedValue: 3, observedUnit: 'ms' };
 * ```
 */
export interface HealthCheckResult {
  readonly status: HealthStatus | (string & {});
  readonly componentId?: string;
  readonly componentType?: string;
  readonly observedValue?: unknown;
  readonly observedUnit?: string;
  readonly output?: string;
  readonly time?: string;
}

/**
 * An `application/health+json` document, as returned by
 * `@telltale/health`'s `registry.run()`.
 *
 * @example
 * ```ts
 * import type { HealthDoc } from '@telltale/dashboard';
 * const document: HealthDoc = { status: 'pass', checks: { 'db:responseTime': [{ status: 'pass' }] } };
 * ```
 */
export interface HealthDoc {
  readonly status: HealthStatus | (string & {});
  readonly output?: string;
  readonly checks?: Readonly<Record<string, readonly HealthCheckResult[]>>;
}

/**
 * A firing or pending alert, e.g. from `@telltale/alerts`' engine state.
 * `id` must be stable across ticks: the silence action refers to it.
 *
 * @example
 * ```ts
 * import type { AlertView } from '@telltale/dashboard';
 * const alert: AlertView = {
 *   id: 'HighLatency{route="/users"}',
 *   name: 'HighLatency',
 *   state: 'firing',
 *   severity: 'page',
 *   labels: { route: '/users' },
 *   summary: 'p95 above 500 ms',
 * };
 * ```
 */
export interface AlertView {
  /** Stable identity (e.g. rule name plus label fingerprint). */
  readonly id: string;
  /** Alert name (`alertname`). */
  readonly name: string;
  readonly state: 'firing' | 'pending';
  readonly severity?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary?: string;
  /** When the alert became active (epoch milliseconds or ISO string). */
  readonly activeAt?: number | string;
  /** Current value of the rule's expression. */
  readonly value?: number;
  /** Set when a silence covers the alert (epoch milliseconds). */
  readonly silencedUntil?: number;
}

/**
 * A circuit breaker, e.g. from `@telltale/resilience`' `breaker.toJSON()`.
 *
 * @example
 * ```ts
 * import type { BreakerView } from '@telltale/dashboard';
 * const breaker: BreakerView = { name: 'payments', state: 'open', failureRatio: 0.6 };
 * ```
 */
export interface BreakerView {
  readonly name: string;
  readonly state: 'closed' | 'open' | 'half-open' | (string & {});
  /** Failure ratio in the current window, 0..1. */
  readonly failureRatio?: number;
  /** Calls rejected while open (cumulative). */
  readonly rejected?: number;
}

/**
 * A delivery queue, e.g. from `@telltale/notify`.
 *
 * @example
 * ```ts
 * import type { QueueView } from '@telltale/dashboard';
 * const queue: QueueView = { name: 'notify', depth: 3, deadLetters: 1 };
 * ```
 */
export interface QueueView {
  readonly name: string;
  /** Messages waiting. */
  readonly depth: number;
  /** Messages that exhausted their retries. */
  readonly deadLetters: number;
  /** Messages being delivered now. */
  readonly inFlight?: number;
}

/**
 * A speech-to-text provider, e.g. from `@telltale/stt`'s fallback chain.
 *
 * @example
 * ```ts
 * import type { SttView } from '@telltale/dashboard';
 * const provider: SttView = { provider: 'deepgram', status: 'healthy', fallbackRate: 0.02, breaker: 'closed' };
 * ```
 */
export interface SttView {
  readonly provider: string;
  readonly status: 'healthy' | 'degraded' | 'down' | (string & {});
  /** Share of requests that fell back to the next provider, 0..1. */
  readonly fallbackRate?: number;
  /** State of the provider's circuit breaker. */
  readonly breaker?: string;
  /** 95th percentile request duration in seconds. */
  readonly p95?: number;
}

/**
 * A cache and its hit ratio. The shape matches the entries of
 * `@telltale/metrics`' `snapshot({ since: previous }).caches`, so those can be
 * passed through as they are.
 *
 * @example
 * ```ts
 * import type { CacheView } from '@telltale/dashboard';
 * const cache: CacheView = { name: 'readings', hitRatio: 0.91, requests: 1200, hits: 1090, misses: 108, errors: 2 };
 * ```
 */
export interface CacheView {
  /** The `cache.name` of `cacheMetrics`. */
  readonly name: string;
  /** `hits / (hits + misses)`, 0..1; `undefined` with no hit or miss. */
  readonly hitRatio: number | undefined;
  /** Lookups in the interval. */
  readonly requests?: number;
  readonly hits?: number;
  readonly misses?: number;
  /** Lookups where the cache itself failed. */
  readonly errors?: number;
  /** Entries now, where known. */
  readonly size?: number | undefined;
}

/**
 * Where the dashboard reads what it shows. Every source is optional and
 * called once per tick; a source that throws is shown as an error on the
 * page instead of breaking the others.
 *
 * @example
 * ```ts
 * import type { DashboardSources } from '@telltale/dashboard';
 * let previous = metrics.snapshot();
 * const sources: DashboardSources = {
 *   // Interval figures: the requests since the previous tick.
 *   routes: () => {
 *     const interval = metrics.snapshot({ since: previous });
 *     previous = metrics.snapshot();
 *     return interval.routes;
 *   },
 *   health: () => registry.run(),
 * };
 * ```
 */
export interface DashboardSources {
  routes?: () => readonly RouteStats[];
  health?: () => Promise<HealthDoc> | HealthDoc;
  alerts?: () => readonly AlertView[];
  breakers?: () => readonly BreakerView[];
  queues?: () => readonly QueueView[];
  stt?: () => readonly SttView[];
  caches?: () => readonly CacheView[];
}
