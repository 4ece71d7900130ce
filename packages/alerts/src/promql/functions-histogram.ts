import { labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
import { bucketFraction, bucketQuantile, type Bucket } from './quantile.js';
import { assertDistinctLabels, type Sample } from './values.js';

interface BucketGroup {
  readonly labels: Labels;
  readonly buckets: Bucket[];
}

function parseBound(text: string): number {
  const lower = text.trim().toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === '') return Number.NaN;
  return Number(text);
}

/**
 * Groups classic-histogram bucket samples by their labels without `le`. The
 * metric name is part of the group, as in Prometheus: buckets of two metrics
 * are never merged, and if their groups collide once the name is dropped the
 * evaluation fails.
 */
function bucketGroups(samples: readonly Sample[]): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  for (const sample of samples) {
    const le = sample.labels.le;
    if (le === undefined) continue;
    const upperBound = parseBound(le);
    if (Number.isNaN(upperBound)) continue;
    const { le: _le, ...rest } = sample.labels;
    const key = labelsKey(rest);
    let group = groups.get(key);
    if (!group) {
      const { [METRIC_NAME]: _name, ...labels } = rest;
      groups.set(key, (group = { labels, buckets: [] }));
    }
    group.buckets.push({ upperBound, count: sample.value });
  }
  return [...groups.values()];
}

/** `histogram_quantile(q, buckets)` over classic (`le`-labelled) buckets. */
export function histogramQuantile(q: number, samples: readonly Sample[]): Sample[] {
  const result = bucketGroups(samples).map((group) => ({
    labels: group.labels,
    value: bucketQuantile(q, group.buckets),
  }));
  assertDistinctLabels(result);
  return result;
}

/** `histogram_fraction(lower, upper, buckets)` over classic (`le`-labelled) buckets. */
export function histogramFraction(lower: number, upper: number, samples: readonly Sample[]): Sample[] {
  const result = bucketGroups(samples).map((group) => ({
    labels: group.labels,
    value: bucketFraction(lower, upper, group.buckets),
  }));
  assertDistinctLabels(result);
  return result;
}

/** The label value `histogram_quantiles` gives each quantile (OpenMetrics float format: `0.0`, `0.25`, `1.0`). */
function quantileLabel(q: number): string {
  if (Number.isNaN(q)) return 'NaN';
  if (q === Infinity) return '+Inf';
  if (q === -Infinity) return '-Inf';
  const text = String(q);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** `histogram_quantiles(buckets, "label", q...)`: one output per group and quantile, labelled with the quantile. */
export function histogramQuantiles(samples: readonly Sample[], label: string, quantiles: readonly number[]): Sample[] {
  const groups = bucketGroups(samples);
  const result: Sample[] = [];
  for (const q of quantiles) {
    for (const group of groups) {
      result.push({ labels: { ...group.labels, [label]: quantileLabel(q) }, value: bucketQuantile(q, group.buckets) });
    }
  }
  assertDistinctLabels(result);
  return result;
}
