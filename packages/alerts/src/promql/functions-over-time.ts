import {
  doubleExponentialSmoothing,
  extrapolatedRate,
  instantDelta,
  linearRegression,
  type RangeWindow,
} from './functions-rate.js';
import { kahanAverage, kahanSum } from './kahan.js';
import { quantile } from './quantile.js';
import { evaluationError, type RangeSeries } from './values.js';

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

/** Index of the sample `better(candidate, best)` picks (NaN always loses), as Prometheus' `compareOverTime`. */
function pick(series: RangeSeries, better: (candidate: number, best: number) => boolean): number {
  const { values, start, end } = series;
  let best = start;
  for (let index = start; index < end; index++) {
    if (better(values[index]!, values[best]!) || Number.isNaN(values[best]!)) best = index;
  }
  return best;
}

function medianAbsoluteDeviation(values: Float64Array, start: number, end: number): number {
  const window = values.slice(start, end);
  if (window.some(Number.isNaN)) return Number.NaN;
  const median = quantile(0.5, window);
  return quantile(
    0.5,
    window.map((value) => Math.abs(value - median)),
  );
}

/**
 * Evaluates a range-vector function over one series; `undefined` means "no
 * output". `parameters` are the scalar arguments, in order.
 */
export function rangeFunction(
  name: string,
  series: RangeSeries,
  window: RangeWindow,
  time: number,
  parameters: readonly number[],
): number | undefined {
  const { times, values, start, end } = series;
  if (end <= start) return undefined;
  switch (name) {
    case 'rate':
      return extrapolatedRate(series, window, true, true);
    case 'increase':
      return extrapolatedRate(series, window, true, false);
    case 'delta':
      return extrapolatedRate(series, window, false, false);
    case 'irate':
      return instantDelta(series, true);
    case 'idelta':
      return instantDelta(series, false);
    case 'deriv':
      // Intercept near the samples, to avoid floating-point trouble with large timestamps.
      return end - start < 2 ? undefined : linearRegression(series, times[start]!).slope;
    case 'predict_linear': {
      if (end - start < 2) return undefined;
      const { slope, intercept } = linearRegression(series, time);
      return slope * parameters[0]! + intercept;
    }
    case 'double_exponential_smoothing': {
      const [smoothing, trend] = parameters as [number, number];
      if (!(smoothing > 0 && smoothing < 1)) {
        throw evaluationError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${smoothing}`);
      }
      if (!(trend > 0 && trend < 1)) throw evaluationError(`invalid trend factor. Expected: 0 < tf < 1, got: ${trend}`);
      return doubleExponentialSmoothing(series, smoothing, trend);
    }
    case 'avg_over_time':
      return kahanAverage(values, start, end);
    case 'sum_over_time':
      return kahanSum(values, start, end);
    case 'min_over_time':
      return values[pick(series, (candidate, best) => candidate < best)];
    case 'max_over_time':
      return values[pick(series, (candidate, best) => candidate > best)];
    case 'ts_of_min_over_time':
      return times[pick(series, (candidate, best) => candidate <= best)]! / 1000;
    case 'ts_of_max_over_time':
      return times[pick(series, (candidate, best) => candidate >= best)]! / 1000;
    case 'count_over_time':
      return end - start;
    case 'last_over_time':
      return values[end - 1];
    case 'first_over_time':
      return values[start];
    case 'ts_of_last_over_time':
      return times[end - 1]! / 1000;
    case 'ts_of_first_over_time':
      return times[start]! / 1000;
    case 'present_over_time':
      return 1;
    case 'stddev_over_time':
      return Math.sqrt(variance(values, start, end));
    case 'stdvar_over_time':
      return variance(values, start, end);
    case 'mad_over_time':
      return medianAbsoluteDeviation(values, start, end);
    case 'quantile_over_time':
      return quantile(parameters[0]!, values.slice(start, end));
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
