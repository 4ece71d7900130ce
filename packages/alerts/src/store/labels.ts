/** A series' labels, including `__name__`. */
export type Labels = Readonly<Record<string, string>>;

/** The label that holds a series' metric name. */
export const METRIC_NAME = '__name__';

/**
 * A canonical string for a label set (sorted, unambiguous): the identity of a
 * series and of an alert.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) {
    const value = labels[name]!;
    if (value === '') continue;
    key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

/** Copy of `labels` without the metric name. */
export function withoutMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const { [METRIC_NAME]: _removed, ...rest } = labels;
  return rest;
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

/** Drops empty-valued labels (Prometheus treats an empty label as absent). */
export function normaliseLabels(labels: Record<string, string>): Labels {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (value !== '') result[name] = value;
  return result;
}
