import type { ExpositionSample } from './prometheus-text.js';

/**
 * One row of the caches in `telltale report --json`: the lookups of one
 * `cache.name` from `telltale_cache_requests_total`.
 *
 * @example
 * ```ts
 * import type { CacheReportRow } from '@telltale/cli';
 * const cold = (row: CacheReportRow) => row.hitRatio !== null && row.hitRatio < 0.85;
 * ```
 */
export interface CacheReportRow {
  cache: string;
  lookups: number;
  hits: number;
  misses: number;
  errors: number;
  /** `hits / (hits + misses)`, 0..1; `null` with no hit or miss. */
  hitRatio: number | null;
}

/** Hit, miss and error counts per cache name. */
export type CacheCounts = Map<string, { hits: number; misses: number; errors: number }>;

// The OTel Prometheus exporter writes `telltale_cache_requests_total`; a
// configured prefix (`myapp_telltale_...`) is accepted too.
const isCacheRequests = (name: string): boolean => /(?:^|_)telltale_cache_requests(?:_total)?$/.test(name);

/** Sums `telltale_cache_requests_total` per `cache_name` and outcome. */
export function cacheCounts(samples: readonly ExpositionSample[]): CacheCounts {
  const counts: CacheCounts = new Map();
  for (const sample of samples) {
    if (!isCacheRequests(sample.name)) continue;
    const name = sample.labels.cache_name;
    if (name === undefined) continue;
    let entry = counts.get(name);
    if (entry === undefined) counts.set(name, (entry = { hits: 0, misses: 0, errors: 0 }));
    const outcome = sample.labels.outcome;
    if (outcome === 'hit') entry.hits += sample.value;
    else if (outcome === 'miss') entry.misses += sample.value;
    else if (outcome === 'error') entry.errors += sample.value;
  }
  return counts;
}

/** What happened between two scrapes (a counter reset counts from zero, as `increase()` does). */
export function diffCacheCounts(first: CacheCounts, second: CacheCounts): CacheCounts {
  const result: CacheCounts = new Map();
  for (const [name, now] of second) {
    const before = first.get(name);
    const delta = (key: 'hits' | 'misses' | 'errors') =>
      before === undefined || now[key] < before[key] ? now[key] : now[key] - before[key];
    result.set(name, { hits: delta('hits'), misses: delta('misses'), errors: delta('errors') });
  }
  return result;
}

/** Report rows, busiest cache first. */
export function cacheRows(counts: CacheCounts): CacheReportRow[] {
  return [...counts]
    .map(([cache, { hits, misses, errors }]) => ({
      cache,
      lookups: hits + misses + errors,
      hits,
      misses,
      errors,
      hitRatio: hits + misses > 0 ? hits / (hits + misses) : null,
    }))
    .sort((a, b) => b.lookups - a.lookups || a.cache.localeCompare(b.cache));
}

/** The caches as an aligned text table: cache, lookups, hit ratio, hits, misses, errors. */
export function formatCacheTable(rows: readonly CacheReportRow[]): string {
  const header = ['cache', 'lookups', 'hit ratio', 'hits', 'misses', 'errors'];
  const cells = rows.map((row) => [
    row.cache,
    String(Math.round(row.lookups)),
    row.hitRatio === null ? '-' : `${(row.hitRatio * 100).toFixed(1)}%`,
    String(Math.round(row.hits)),
    String(Math.round(row.misses)),
    String(Math.round(row.errors)),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
