import { RE2JS } from 're2js';
import { sortedNames, type Labels } from '../store/labels.js';
import { regexErrorMessage } from './regex.js';
import { assertDistinctLabels, evaluationError, type Sample } from './values.js';

/**
 * Label names are any valid UTF-8 in Prometheus 3; an undecodable byte
 * (`"\xff"`) arrives here as U+FFFD.
 */
function assertLabelName(name: string, fn: string): void {
  if (name === '' || name.includes('\uFFFD')) {
    throw evaluationError(`invalid destination label name in ${fn}(): ${name}`);
  }
}

function withLabel(labels: Labels, name: string, value: string): Labels {
  const result: Record<string, string> = { ...labels };
  if (value === '') delete result[name];
  else result[name] = value;
  return result;
}

/** Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, group: (name: string) => string): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (match, braced?: string, bare?: string) =>
    match === '$$' ? '$' : group((braced ?? bare)!),
  );
}

/** `label_replace(v, dst, replacement, src, regex)`. */
export function labelReplace(
  samples: readonly Sample[],
  destination: string,
  replacement: string,
  source: string,
  pattern: string,
): Sample[] {
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(`^(?s:${pattern})$`);
  } catch (error) {
    throw evaluationError(`invalid regular expression in label_replace(): ${pattern}: ${regexErrorMessage(error)}`);
  }
  assertLabelName(destination, 'label_replace');
  const named = regex.namedGroups();
  const result = samples.map((sample) => {
    const matcher = regex.matcher(sample.labels[source] ?? '');
    if (!matcher.matches()) return sample;
    const value = expand(replacement, (name) => {
      const index = /^\d+$/.test(name) ? Number(name) : named[name];
      if (index === undefined || index > matcher.groupCount()) return '';
      return matcher.group(index) ?? '';
    });
    return { labels: withLabel(sample.labels, destination, value), value: sample.value };
  });
  assertDistinctLabels(result);
  return result;
}

/** `label_join(v, dst, separator, src...)`. */
export function labelJoin(
  samples: readonly Sample[],
  destination: string,
  separator: string,
  sources: readonly string[],
): Sample[] {
  assertLabelName(destination, 'label_join');
  const result = samples.map((sample) => ({
    labels: withLabel(sample.labels, destination, sources.map((name) => sample.labels[name] ?? '').join(separator)),
    value: sample.value,
  }));
  assertDistinctLabels(result);
  return result;
}

/** Natural order: runs of digits compare as numbers (`a2` < `a10`), as Prometheus' natsort. */
export function naturalCompare(left: string, right: string): number {
  const leftParts = left.match(/\d+|\D+/g) ?? [];
  const rightParts = right.match(/\d+|\D+/g) ?? [];
  for (let index = 0; index < Math.min(leftParts.length, rightParts.length); index++) {
    const a = leftParts[index]!;
    const b = rightParts[index]!;
    if (a === b) continue;
    const aDigits = /^\d/.test(a);
    const bDigits = /^\d/.test(b);
    if (aDigits && bDigits) {
      const aTrimmed = a.replace(/^0+(?=\d)/, '');
      const bTrimmed = b.replace(/^0+(?=\d)/, '');
      if (aTrimmed.length !== bTrimmed.length) return aTrimmed.length - bTrimmed.length;
      if (aTrimmed !== bTrimmed) return aTrimmed < bTrimmed ? -1 : 1;
      return a.length - b.length;
    }
    return a < b ? -1 : 1;
  }
  return leftParts.length - rightParts.length;
}

/** Prometheus' `labels.Compare`: by sorted label names, then values. */
function compareLabelSets(left: Labels, right: Labels): number {
  const leftNames = sortedNames(left);
  const rightNames = sortedNames(right);
  for (let index = 0; index < Math.min(leftNames.length, rightNames.length); index++) {
    const a = leftNames[index]!;
    const b = rightNames[index]!;
    if (a !== b) return a < b ? -1 : 1;
    const va = left[a]!;
    const vb = right[b]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return leftNames.length - rightNames.length;
}

/** `sort_by_label(v, label...)` / `sort_by_label_desc`: natural order of the labels, then the whole label set. */
export function sortByLabel(samples: readonly Sample[], names: readonly string[], descending: boolean): Sample[] {
  return [...samples].sort((left, right) => {
    for (const name of names) {
      const a = left.labels[name] ?? '';
      const b = right.labels[name] ?? '';
      if (a === b) continue;
      const order = naturalCompare(a, b) < 0 ? -1 : 1;
      return descending ? -order : order;
    }
    const order = compareLabelSets(left.labels, right.labels);
    return descending ? -order : order;
  });
}
