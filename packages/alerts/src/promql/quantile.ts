function compareNaNFirst(left: number, right: number): number {
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : -1;
  if (Number.isNaN(right)) return 1;
  return left - right;
}

/** Prometheus' `quantile()` (used by the aggregation and `quantile_over_time`). */
export function quantile(q: number, input: ArrayLike<number>): number {
  if (input.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // NaN sorts below every number, as in Prometheus' vectorByValueHeap.
  const values = Array.from(input).sort(compareNaNFirst);
  const count = values.length;
  const rank = q * (count - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(count - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/** Prometheus' `bucketQuantile` for classic histograms (`histogram_quantile`). */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = coalesced(input);
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upperBound !== Infinity) return Number.NaN;
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

function coalesced(input: readonly Bucket[]): Bucket[] {
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  const buckets: Bucket[] = [];
  for (const bucket of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else buckets.push({ ...bucket });
  }
  return buckets;
}

/** Prometheus' `BucketFraction`: the estimated fraction of observations between `lower` and `upper`. */
export function bucketFraction(lower: number, upper: number, input: readonly Bucket[]): number {
  const buckets = coalesced(input);
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upperBound !== Infinity) return Number.NaN;
  const count = buckets[buckets.length - 1]!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return Number.NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = buckets[0]!.upperBound <= 0 ? -Infinity : 0;
  for (const [index, bucket] of buckets.entries()) {
    if (index > 0) lowerBound = buckets[index - 1]!.upperBound;
    const upperBound = bucket.upperBound;
    // No interpolation inside a bucket with an infinite bound: it contributes nothing.
    const interpolate = (value: number): number =>
      lowerBound === -Infinity
        ? bucket.count
        : rank + ((bucket.count - rank) * (value - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = bucket.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}
