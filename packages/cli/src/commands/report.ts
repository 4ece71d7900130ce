import { formatDuration } from '@telltale/core';
import { cacheCounts, cacheRows, diffCacheCounts, formatCacheTable, type CacheCounts } from '../cache-ratios.js';
import { histogramQuantile } from '@telltale/metrics';
import { EXIT_CODES } from '../exit-codes.js';
import { displayUrl, httpGet, UnreachableError } from '../http-get.js';
import type { CliIo } from '../io.js';
import { parseExposition } from '../prometheus-text.js';
import { diffRouteHistograms, perBucketCounts, routeHistograms, type RouteHistogram } from '../route-histograms.js';
import { durationFlag, parseCommandLine, UsageError, urlArgument } from '../usage-error.js';

export const REPORT_USAGE = `Usage: telltale report <metrics-url> [--interval 10s] [--timeout 5s] [--limit N] [--json]

Scrapes a Prometheus exposition and prints, per route, the request rate, the p50/p95/p99
latency (interpolated from http_server_request_duration buckets like histogram_quantile)
and the error share (5xx or error_type), then the hit ratio of each cache measured with
@telltale/metrics' cacheMetrics (telltale_cache_requests_total). A single scrape covers everything since the
process started (no rate); --interval scrapes twice and reports what happened in between.
Exit codes: 0 ok, 1 no HTTP duration histogram in the exposition, 2 unreachable or
non-2xx, 64 bad usage.

Options
  --interval <duration>  scrape twice, this far apart, and report the difference
  --window <duration>    same as --interval
  --timeout <duration>   per scrape (default 5s)
  --limit <n>            show the n busiest routes
  --json                 print {url, intervalSeconds, routes[], caches[]} as JSON
  --help                 show this help
`;

/**
 * One row of `telltale report --json` (durations in seconds).
 *
 * @example
 * ```ts
 * import type { RouteReportRow } from '@telltale/cli';
 * const slow = (row: RouteReportRow) => row.p95 !== null && row.p95 > 0.5;
 * ```
 */
export interface RouteReportRow {
  method: string;
  route: string | null;
  requests: number;
  /** Requests per second; `null` from a single scrape. */
  rate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
  errors: number;
  errorRatio: number;
}

/** `telltale report <metrics-url>`. */
export async function reportCommand(argv: readonly string[], io: CliIo, sleep: (ms: number) => Promise<void>) {
  const { values, positionals } = parseCommandLine(argv, {
    interval: { type: 'string' },
    window: { type: 'string' },
    timeout: { type: 'string', default: '5s' },
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const url = urlArgument(positionals, 'metrics URL');
  if (values.interval !== undefined && values.window !== undefined) {
    throw new UsageError('pass either --interval or --window, not both');
  }
  const intervalText = values.interval ?? values.window;
  const interval = intervalText === undefined ? undefined : durationFlag('interval', intervalText);
  const timeout = durationFlag('timeout', values.timeout);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  const shown = displayUrl(url);

  const scrape = async () => {
    const answer = await httpGet(url, { timeout, accept: 'text/plain;version=0.0.4;q=1, */*;q=0.1', io });
    if (!answer.ok) throw new UnreachableError(`HTTP ${answer.status}`);
    const samples = parseExposition(answer.text);
    return { at: performance.now(), routes: routeHistograms(samples), caches: cacheCounts(samples) };
  };

  let routes: Map<string, RouteHistogram>;
  let caches: CacheCounts;
  let intervalSeconds: number | undefined;
  try {
    const first = await scrape();
    routes = first.routes;
    caches = first.caches;
    if (interval !== undefined) {
      await sleep(interval);
      const second = await scrape();
      routes = diffRouteHistograms(first.routes, second.routes);
      caches = diffCacheCounts(first.caches, second.caches);
      // The real gap between the scrapes, not the requested one.
      intervalSeconds = (second.at - first.at) / 1000;
    }
  } catch (error) {
    if (!UnreachableError.is(error)) throw error;
    io.stderr(`telltale report: ${shown}: ${error.message}\n`);
    return EXIT_CODES.unreachable;
  }

  const rows = [...routes.values()]
    .map((histogram) => toRow(histogram, intervalSeconds))
    .sort((a, b) => b.requests - a.requests)
    .slice(0, limit);
  const cacheReport = cacheRows(caches);
  if (values.json) {
    const report = { url: shown, intervalSeconds: intervalSeconds ?? null, routes: rows, caches: cacheReport };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else if (routes.size > 0) {
    const scope =
      intervalSeconds === undefined
        ? 'since the process started (pass --interval 10s for rates)'
        : `over ${formatDuration(Math.round(intervalSeconds * 1000))}`;
    const cacheTable = cacheReport.length === 0 ? '' : `\n${formatCacheTable(cacheReport)}\n`;
    io.stdout(`${formatTable(rows)}\n${cacheTable}${shown}, ${scope}\n`);
  }
  if (routes.size === 0) {
    io.stderr(`telltale report: no http_server_request_duration histogram at ${shown}\n`);
    return EXIT_CODES.failures;
  }
  return EXIT_CODES.ok;
}

function toRow(histogram: RouteHistogram, intervalSeconds: number | undefined): RouteReportRow {
  const { bounds, counts } = perBucketCounts(histogram);
  const quantile = (q: number) => histogramQuantile(q, bounds, counts) ?? null;
  return {
    method: histogram.method,
    route: histogram.route ?? null,
    requests: histogram.count,
    rate: intervalSeconds === undefined || intervalSeconds <= 0 ? null : histogram.count / intervalSeconds,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    mean: histogram.count > 0 ? histogram.sum / histogram.count : null,
    errors: histogram.errors,
    errorRatio: histogram.count > 0 ? histogram.errors / histogram.count : 0,
  };
}

function seconds(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`;
}

/** The report as an aligned text table: route, requests, rate/s, p50, p95, p99, errors. */
export function formatTable(rows: readonly RouteReportRow[]): string {
  const header = ['route', 'requests', 'rate/s', 'p50', 'p95', 'p99', 'errors'];
  const cells = rows.map((row) => [
    `${row.method} ${row.route ?? '(no route)'}`,
    String(Math.round(row.requests)),
    row.rate === null ? '-' : row.rate.toFixed(2),
    seconds(row.p50),
    seconds(row.p95),
    seconds(row.p99),
    `${(row.errorRatio * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
