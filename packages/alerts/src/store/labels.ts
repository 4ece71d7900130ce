/** A series' labels, including `__name__`. Treated as immutable everywhere. */
export type Labels = Readonly<Record<string, string>>;

/** The label that holds a series' metric name. */
export const METRIC_NAME = '__name__';

// Label sets are immutable and the same objects flow through many rules and cycles
// (stored series' labels), so derived values are cached on the object itself, in a
// non-enumerable symbol property (spread and Object.keys never see it). This is much
// cheaper than WeakMaps holding tens of thousands of entries.
const CACHE = Symbol('telltale.labels.cache');

interface LabelsCache {
  key?: string;
  names?: readonly string[];
  withoutName?: Labels;
}

const uncached: LabelsCache = {};

function cacheOf(labels: Labels): LabelsCache {
  const existing = (labels as { [CACHE]?: LabelsCache })[CACHE];
  if (existing) return existing;
  if (!Object.isExtensible(labels)) return { ...uncached };
  const cache: LabelsCache = {};
  Object.defineProperty(labels, CACHE, { value: cache });
  return cache;
}

/** The label names of `labels`, sorted (cached per object). */
export function sortedNames(labels: Labels): readonly string[] {
  const cache = cacheOf(labels);
  return (cache.names ??= Object.keys(labels).sort());
}

/**
 * A canonical string for a label set (sorted, unambiguous, empty values
 * ignored): the identity of a series and of an alert.
 */
export function labelsKey(labels: Labels): string {
  const cache = cacheOf(labels);
  if (cache.key === undefined) {
    let key = '';
    for (const name of (cache.names ??= Object.keys(labels).sort())) {
      const value = labels[name]!;
      if (value !== '') key += `${name}\u0000${value}\u0001`;
    }
    cache.key = key;
  }
  return cache.key;
}

/** Key of the subset of `labels` named in `names` (which must be sorted). */
export function keyOfNames(labels: Labels, names: readonly string[]): string {
  let key = '';
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

/** Key of `labels` without the `excluded` names and without `__name__`. */
export function keyWithout(labels: Labels, excluded: readonly string[]): string {
  // The common case (`ignoring()`, no grouping) is the cached key of the nameless set.
  if (excluded.length === 0) return labelsKey(withoutMetricName(labels));
  let key = '';
  for (const name of sortedNames(labels)) {
    if (name === METRIC_NAME || excluded.includes(name)) continue;
    const value = labels[name]!;
    if (value !== '') key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

/** `labels` without the metric name (cached per object). */
export function withoutMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const cache = cacheOf(labels);
  if (!cache.withoutName) {
    const copy: Record<string, string> = {};
    for (const name of Object.keys(labels)) if (name !== METRIC_NAME) copy[name] = labels[name]!;
    cache.withoutName = copy;
  }
  return cache.withoutName;
}

/** Renders labels the way Prometheus prints a series: `name{a="b", c="d"}`. */
export function formatLabels(labels: Labels): string {
  const name = labels[METRIC_NAME] ?? '';
  const pairs = Object.keys(labels)
    .filter((key) => key !== METRIC_NAME)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  return `${name}{${pairs.join(', ')}}`;
}
