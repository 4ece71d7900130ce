/** Prometheus' `quantile()` (used by the aggregation and `quantile_over_time`). */
export function quantile(q: number, input: ArrayLike<number>): number {
  if (input.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const values = Array.from(input).sort((a, b) => a - b);
  const count = values.length;
  const rank = q * (count - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(count - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

interface Bucket {
  upperBound: number;
  count: number;
}

/** Prometheus' `bucketQuantile` for classic histograms (`histogram_quantile`). */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted[sorted.length - 1]!.upperBound !== Infinity) return Number.NaN;
  const buckets: Bucket[] = [];
  for (const bucket of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else buckets.push({ ...bucket });
  }
  // Counts may be non-monotonic through precision loss or scrape races; force monotonicity.
  for (let index = 1; index < buckets.length; index++) {
    if (buckets[index]!.count < buckets[index - 1]!.count) buckets[index]!.count = buckets[index - 1]!.count;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let index = 0;
  while (index < buckets.length - 1 && buckets[index]!.count < rank) index++;
  if (index === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (index === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let start = 0;
  const end = buckets[index]!.upperBound;
  let count = buckets[index]!.count;
  if (index > 0) {
    start = buckets[index - 1]!.upperBound;
    count -= buckets[index - 1]!.count;
    rank -= buckets[index - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}
