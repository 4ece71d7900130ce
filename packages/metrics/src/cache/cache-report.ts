import type { CacheStatistics } from './cache-snapshot.js';

/** `87.5%`, or `-` when there was no hit or miss. */
export function formatHitRatio(hitRatio: number | undefined): string {
  return hitRatio === undefined ? '-' : `${(hitRatio * 100).toFixed(1)}%`;
}

/** Plain-text table of cache statistics (name, lookups, hit ratio, errors, size), no trailing newline. */
export function cacheTable(caches: readonly CacheStatistics[]): string[] {
  const header = ['cache', 'lookups', 'hit ratio', 'hits', 'misses', 'errors', 'size'];
  const rows = caches.map((cache) => [
    cache.name,
    String(cache.requests),
    formatHitRatio(cache.hitRatio),
    String(cache.hits),
    String(cache.misses),
    String(cache.errors),
    cache.size === undefined ? '-' : String(cache.size),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
