import type { Labels } from '../store/labels.js';
import { withoutMetricName } from '../store/labels.js';
import type { CallNode, MatrixSelectorNode, VectorSelectorNode } from './ast.js';
import { quantile } from './quantile.js';
import type { RangeSeries, Sample } from './values.js';

/** Prometheus' `extrapolatedRate` (3.x): rate, increase and delta with boundary extrapolation. */
export function extrapolatedRate(
  series: RangeSeries,
  node: MatrixSelectorNode,
  time: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const { times, values, start, end } = series;
  const count = end - start;
  if (count < 2) return undefined;
  const rangeStart = time - (node.range + node.selector.offset);
  const rangeEnd = time - node.selector.offset;
  const first = values[start]!;
  let result = values[end - 1]! - first;
  if (isCounter) {
    let last = first;
    for (let index = start + 1; index < end; index++) {
      const value = values[index]!;
      if (value < last) result += last;
      last = value;
    }
  }
  const firstTime = times[start]!;
  const lastTime = times[end - 1]!;
  let durationToStart = (firstTime - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastTime) / 1000;
  const sampledInterval = (lastTime - firstTime) / 1000;
  const averageBetweenSamples = sampledInterval / (count - 1);
  const threshold = averageBetweenSamples * 1.1;
  if (durationToStart >= threshold) durationToStart = averageBetweenSamples / 2;
  if (isCounter) {
    // Counters cannot go below zero: do not extrapolate past the zero point.
    let durationToZero = durationToStart;
    if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= node.range / 1000;
  return result * factor;
}

function instantDelta(series: RangeSeries, isRate: boolean): number | undefined {
  const { times, values, start, end } = series;
  if (end - start < 2) return undefined;
  const last = values[end - 1]!;
  const previous = values[end - 2]!;
  const result = isRate && last < previous ? last : last - previous;
  if (!isRate) return result;
  const interval = (times[end - 1]! - times[end - 2]!) / 1000;
  return interval === 0 ? undefined : result / interval;
}

function variance(values: Float64Array, start: number, end: number): number {
  let count = 0;
  let mean = 0;
  let aux = 0;
  for (let index = start; index < end; index++) {
    const value = values[index]!;
    count++;
    const delta = value - mean;
    mean += delta / count;
    aux += delta * (value - mean);
  }
  return aux / count;
}

/** Evaluates a range-vector function over one series; `undefined` means "no output". */
export function rangeFunction(
  name: string,
  series: RangeSeries,
  node: MatrixSelectorNode,
  time: number,
  parameter: number,
): number | undefined {
  const { values, start, end } = series;
  if (end <= start) return undefined;
  switch (name) {
    case 'rate':
      return extrapolatedRate(series, node, time, true, true);
    case 'increase':
      return extrapolatedRate(series, node, time, true, false);
    case 'delta':
      return extrapolatedRate(series, node, time, false, false);
    case 'irate':
      return instantDelta(series, true);
    case 'idelta':
      return instantDelta(series, false);
    case 'avg_over_time': {
      let mean = 0;
      for (let index = start; index < end; index++) mean += (values[index]! - mean) / (index - start + 1);
      return mean;
    }
    case 'sum_over_time': {
      let sum = 0;
      for (let index = start; index < end; index++) sum += values[index]!;
      return sum;
    }
    case 'min_over_time': {
      let min = values[start]!;
      for (let index = start + 1; index < end; index++)
        if (values[index]! < min || Number.isNaN(min)) min = values[index]!;
      return min;
    }
    case 'max_over_time': {
      let max = values[start]!;
      for (let index = start + 1; index < end; index++)
        if (values[index]! > max || Number.isNaN(max)) max = values[index]!;
      return max;
    }
    case 'count_over_time':
      return end - start;
    case 'last_over_time':
      return values[end - 1];
    case 'present_over_time':
      return 1;
    case 'stddev_over_time':
      return Math.sqrt(variance(values, start, end));
    case 'stdvar_over_time':
      return variance(values, start, end);
    case 'quantile_over_time':
      return quantile(parameter, values.slice(start, end));
    case 'changes': {
      let changes = 0;
      for (let index = start + 1; index < end; index++) {
        const previous = values[index - 1]!;
        const current = values[index]!;
        if (current !== previous && !(Number.isNaN(current) && Number.isNaN(previous))) changes++;
      }
      return changes;
    }
    case 'resets': {
      let resets = 0;
      for (let index = start + 1; index < end; index++) if (values[index]! < values[index - 1]!) resets++;
      return resets;
    }
    default:
      return undefined;
  }
}

/** Labels `absent()`/`absent_over_time()` give their single output sample. */
export function absentLabels(selector: VectorSelectorNode): Labels {
  const labels: Record<string, string> = {};
  const seen = new Set<string>();
  for (const matcher of selector.matchers) {
    if (matcher.name === '__name__') continue;
    if (matcher.operator === '=' && !seen.has(matcher.name)) {
      labels[matcher.name] = matcher.value;
      seen.add(matcher.name);
    } else if (matcher.operator === '=' || seen.has(matcher.name)) {
      delete labels[matcher.name];
    }
  }
  return labels;
}

function roundToNearest(value: number, toNearest: number): number {
  const inverse = 1 / toNearest;
  return Math.floor(value * inverse + 0.5) / inverse;
}

const SIMPLE: Readonly<Record<string, (value: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
};

/** Element-wise instant-vector functions (`abs`, `round`, `clamp_*`, ...). */
export function vectorFunction(node: CallNode, samples: readonly Sample[], scalars: readonly number[]): Sample[] {
  const name = node.name;
  if (name === 'sort' || name === 'sort_desc') {
    const sorted = [...samples].sort((left, right) => left.value - right.value);
    return name === 'sort' ? sorted : sorted.reverse();
  }
  let apply: (value: number) => number;
  if (SIMPLE[name]) apply = SIMPLE[name];
  else if (name === 'round') {
    const toNearest = scalars[0] ?? 1;
    apply = (value) => roundToNearest(value, toNearest);
  } else if (name === 'clamp_min') apply = (value) => Math.max(scalars[0]!, value);
  else if (name === 'clamp_max') apply = (value) => Math.min(scalars[0]!, value);
  else if (name === 'clamp') {
    const [min, max] = scalars as [number, number];
    if (max < min) return [];
    apply = (value) => Math.max(min, Math.min(max, value));
  } else return [];
  return samples.map((sample) => ({ labels: withoutMetricName(sample.labels), value: apply(sample.value) }));
}
