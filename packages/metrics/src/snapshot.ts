import { cacheSnapshot, type CacheStatistics } from './cache/cache-snapshot.js';
import { histogramQuantile } from './quantile.js';
import type { DurationTable } from './series.js';

/** Statistics of one `(method, route)` pair in a {@link HttpMetricsSnapshot}. */
export interface RouteStatistics {
  /** `http.request.method` (`_OTHER` for unknown methods). */
  readonly method: string;
  /** `http.route`, or `undefined` for requests no route matched (404s). */
  readonly route: string | undefined;
  /** Requests recorded in the snapshot's interval. */
  readonly count: number;
  /** Requests per second over the interval. */
  readonly rate: number;
  /** Share of requests with an `error.type` (5xx, thrown, aborted), 0..1. */
  readonly errorRatio: number;
  /** Median duration in seconds, interpolated from the buckets; `undefined` when `count` is 0. */
  readonly p50: number | undefined;
  /** 95th percentile duration in seconds. */
  readonly p95: number | undefined;
  /** 99th percentile duration in seconds. */
  readonly p99: number | undefined;
  /** Mean duration in seconds. */
  readonly mean: number | undefined;
  /** Bucket upper bounds in seconds (the +Inf bucket is implicit). */
  readonly bounds: readonly number[];
  /** Requests per bucket (not cumulative), one more entry than `bounds`. */
  readonly bucketCounts: readonly number[];
  /** Sum of durations in seconds. */
  readonly sum: number;
  /** Requests with an `error.type`. */
  readonly errors: number;
}

/**
 * Per-route request statistics at one moment, from `metrics.snapshot()`.
 * Counts are cumulative since the recorder started, unless the snapshot was
 * taken with `{ since: previous }`, in which case they cover the interval.
 */
export interface HttpMetricsSnapshot {
  /** When the snapshot was taken (epoch milliseconds). */
  readonly takenAt: number;
  /** Start of the interval the counts cover (epoch milliseconds). */
  readonly since: number;
  /** Length of the interval in seconds. */
  readonly intervalSeconds: number;
  /** One entry per `(method, route)`, busiest first. */
  readonly routes: readonly RouteStatistics[];
  /** One entry per `cacheMetrics` cache of the process, with its hit ratio. */
  readonly caches: readonly CacheStatistics[];
}

/** Options of `metrics.snapshot()`. */
export interface SnapshotOptions {
  /** A previous snapshot: the result then covers only what happened since it. */
  since?: HttpMetricsSnapshot;
}

interface Entry {
  readonly method: string;
  readonly route: string | undefined;
  readonly counts: number[];
  count: number;
  sum: number;
  errors: number;
}

// Per (method, route), summed over the table's series (status, scheme, protocol, error type).
function entriesOf(table: DurationTable): Entry[] {
  const entries: Entry[] = [];
  for (const group of table.routes.values()) {
    const byMethod = new Map<string, Entry>();
    for (const series of group.series) {
      let entry = byMethod.get(series.method);
      if (entry === undefined) {
        entry = {
          method: series.method,
          route: group.route,
          counts: new Array<number>(series.counts.length).fill(0),
          count: 0,
          sum: 0,
          errors: 0,
        };
        byMethod.set(series.method, entry);
        entries.push(entry);
      }
      for (let index = 0; index < series.counts.length; index++) entry.counts[index]! += series.counts[index]!;
      entry.count += series.count;
      entry.sum += series.sum;
      if (series.errorType !== undefined) entry.errors += series.count;
    }
  }
  return entries;
}

/**
 * `snapshot()` over a recorder's duration table: the same buckets and the
 * same (guarded) routes as the exported histogram, without reading back
 * from the SDK.
 */
export function createSnapshot(table: DurationTable, now: () => number) {
  const bounds = table.bounds;
  const startedAt = now();
  return (options: SnapshotOptions = {}): HttpMetricsSnapshot => {
    const takenAt = now();
    const previous = new Map<string, RouteStatistics>();
    for (const route of options.since?.routes ?? []) previous.set(`${route.method} ${route.route ?? ''}`, route);
    const since = options.since?.takenAt ?? startedAt;
    const intervalSeconds = Math.max(0, (takenAt - since) / 1000);
    const routes: RouteStatistics[] = [];
    for (const entry of entriesOf(table)) {
      const before = previous.get(`${entry.method} ${entry.route ?? ''}`);
      const counts = entry.counts.map((value, index) => value - (before?.bucketCounts[index] ?? 0));
      const count = entry.count - (before?.count ?? 0);
      const sum = entry.sum - (before?.sum ?? 0);
      const errors = entry.errors - (before?.errors ?? 0);
      if (options.since !== undefined && count === 0) continue;
      routes.push({
        method: entry.method,
        route: entry.route,
        count,
        rate: intervalSeconds > 0 ? count / intervalSeconds : 0,
        errorRatio: count > 0 ? errors / count : 0,
        p50: histogramQuantile(0.5, bounds, counts),
        p95: histogramQuantile(0.95, bounds, counts),
        p99: histogramQuantile(0.99, bounds, counts),
        mean: count > 0 ? sum / count : undefined,
        bounds,
        bucketCounts: counts,
        sum,
        errors,
      });
    }
    routes.sort((a, b) => b.count - a.count || (a.route ?? '').localeCompare(b.route ?? ''));
    const caches = cacheSnapshot(options.since === undefined ? undefined : (options.since.caches ?? []));
    return { takenAt, since, intervalSeconds, routes, caches };
  };
}
