/**
 * Estimates the `quantile` (0..1) of a histogram the way Prometheus'
 * `histogram_quantile` does: find the bucket holding the rank, then
 * interpolate linearly inside it. `counts` are per bucket (not cumulative),
 * with one more entry than `bounds` for the +Inf bucket. Returns `undefined`
 * when the histogram is empty.
 *
 * @example
 * ```ts
 * import { histogramQuantile } from '@telltale/metrics';
 * histogramQuantile(0.5, [0.1, 0.2], [0, 10, 0]); // 0.15
 * ```
 */
export function histogramQuantile(
  quantile: number,
  bounds: readonly number[],
  counts: ArrayLike<number>,
): number | undefined {
  let total = 0;
  for (let index = 0; index < counts.length; index++) total += counts[index]!;
  if (total <= 0 || Number.isNaN(quantile)) return undefined;
  if (quantile < 0) return Number.NEGATIVE_INFINITY;
  if (quantile > 1) return Number.POSITIVE_INFINITY;
  const rank = quantile * total;
  let cumulative = 0;
  let index = 0;
  // First bucket whose cumulative count reaches the rank.
  for (; index < counts.length; index++) {
    if (cumulative + counts[index]! >= rank && counts[index]! > 0) break;
    cumulative += counts[index]!;
  }
  if (index >= bounds.length) return bounds[bounds.length - 1];
  const upper = bounds[index]!;
  if (index === 0 && upper <= 0) return upper;
  const lower = index === 0 ? 0 : bounds[index - 1]!;
  const inBucket = counts[index]!;
  return lower + (upper - lower) * ((rank - cumulative) / inBucket);
}
