import { cacheTable } from './cache/cache-report.js';
import type { HttpMetricsSnapshot } from './snapshot.js';

/** Options of {@link performanceReport}. */
export interface PerformanceReportOptions {
  /** Show at most this many routes (busiest first). Default: all. */
  limit?: number;
  /** Label for requests no route matched. Default `(no route)`. */
  unmatchedLabel?: string;
}

function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 1) return `${(seconds * 1000).toFixed(1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/**
 * Renders a snapshot as a plain-text table (route, requests, rate, p50, p95,
 * p99, error %), then one of caches with their hit ratio when there are
 * any, for CLIs, logs and reports. Percentiles are interpolated
 * from histogram buckets, so they are estimates bounded by bucket widths.
 *
 * @example
 * ```ts
 * import { performanceReport } from '@telltale/metrics';
 * console.log(performanceReport(metrics.snapshot()));
 * // route                requests  rate/s     p50      p95      p99  errors
 * // GET /users/:id            120    2.00  12.5 ms  48.0 ms  95.2 ms   0.8%
 * ```
 */
export function performanceReport(snapshot: HttpMetricsSnapshot, options: PerformanceReportOptions = {}): string {
  const unmatched = options.unmatchedLabel ?? '(no route)';
  const routes = options.limit === undefined ? snapshot.routes : snapshot.routes.slice(0, options.limit);
  const header = ['route', 'requests', 'rate/s', 'p50', 'p95', 'p99', 'errors'];
  const rows = routes.map((route) => [
    `${route.method} ${route.route ?? unmatched}`,
    String(route.count),
    route.rate.toFixed(2),
    formatSeconds(route.p50),
    formatSeconds(route.p95),
    formatSeconds(route.p99),
    `${(route.errorRatio * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (rows.length === 0) lines.push('(no requests recorded)');
  if (snapshot.caches.length > 0) lines.push('', ...cacheTable(snapshot.caches));
  lines.push(`interval ${snapshot.intervalSeconds.toFixed(1)} s`);
  return lines.join('\n');
}
