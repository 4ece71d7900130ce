import { kahanAdd } from './kahan.js';
import type { RangeSeries } from './values.js';

/** The time window a range vector covers: `(start, end]` in epoch milliseconds. */
export interface RangeWindow {
  readonly start: number;
  readonly end: number;
}

/** Prometheus' `extrapolatedRate` (3.x): rate, increase and delta with boundary extrapolation. */
export function extrapolatedRate(
  series: RangeSeries,
  window: RangeWindow,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const { times, values, start, end } = series;
  const count = end - start;
  if (count < 2) return undefined;
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
  let durationToStart = (firstTime - window.start) / 1000;
  let durationToEnd = (window.end - lastTime) / 1000;
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
  if (isRate) factor /= (window.end - window.start) / 1000;
  return result * factor;
}

/** `irate` / `idelta`: from the last two samples. */
export function instantDelta(series: RangeSeries, isRate: boolean): number | undefined {
  const { times, values, start, end } = series;
  if (end - start < 2) return undefined;
  const last = values[end - 1]!;
  const previous = values[end - 2]!;
  const result = isRate && last < previous ? last : last - previous;
  if (!isRate) return result;
  const interval = (times[end - 1]! - times[end - 2]!) / 1000;
  return interval === 0 ? undefined : result / interval;
}

/** Least-squares slope and the intercept at `interceptTime`, with compensated sums (Prometheus' `linearRegression`). */
export function linearRegression(series: RangeSeries, interceptTime: number): { slope: number; intercept: number } {
  const { times, values, start, end } = series;
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  const cX = { value: 0 };
  const cY = { value: 0 };
  const cXY = { value: 0 };
  const cX2 = { value: 0 };
  const initial = values[start]!;
  let constant = true;
  for (let index = start; index < end; index++) {
    const y = values[index]!;
    if (constant && index > start && y !== initial) constant = false;
    n++;
    const x = (times[index]! - interceptTime) / 1000;
    sumX = kahanAdd(x, sumX, cX);
    sumY = kahanAdd(y, sumY, cY);
    sumXY = kahanAdd(x * y, sumXY, cXY);
    sumX2 = kahanAdd(x * x, sumX2, cX2);
  }
  if (constant) {
    if (initial === Infinity || initial === -Infinity) return { slope: Number.NaN, intercept: Number.NaN };
    return { slope: 0, intercept: initial };
  }
  sumX += cX.value;
  sumY += cY.value;
  sumXY += cXY.value;
  sumX2 += cX2.value;
  const covariance = sumXY - (sumX * sumY) / n;
  const varianceX = sumX2 - (sumX * sumX) / n;
  const slope = covariance / varianceX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

/** `double_exponential_smoothing(range, smoothing, trend)` (Holt's linear method, as Prometheus computes it). */
export function doubleExponentialSmoothing(series: RangeSeries, smoothing: number, trend: number): number | undefined {
  const { values, start, end } = series;
  if (end - start < 2) return undefined;
  let s0 = 0;
  let s1 = values[start]!;
  let b = values[start + 1]! - values[start]!;
  for (let index = 1; index < end - start; index++) {
    const x = smoothing * values[start + index]!;
    if (index - 1 !== 0) b = trend * (s1 - s0) + (1 - trend) * b;
    const y = (1 - smoothing) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}
