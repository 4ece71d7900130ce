import { withoutMetricName } from '../store/labels.js';
import type { Sample } from './values.js';

function roundToNearest(value: number, toNearest: number): number {
  const inverse = 1 / toNearest;
  return Math.floor(value * inverse + 0.5) / inverse;
}

/** Element-wise functions of one value; they all drop the metric name. */
const ELEMENT_WISE: Readonly<Record<string, (value: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (value) => (value < 0 ? -1 : value > 0 ? 1 : value),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (value) => (value * Math.PI) / 180,
  deg: (value) => (value * 180) / Math.PI,
};

/** True when `name` is an element-wise math function handled by {@link mathFunction}. */
export function isMathFunction(name: string): boolean {
  return Object.hasOwn(ELEMENT_WISE, name) || ['round', 'clamp', 'clamp_min', 'clamp_max'].includes(name);
}

/** Element-wise instant-vector functions (`abs`, `round`, `clamp_*`, trigonometry, ...). */
export function mathFunction(name: string, samples: readonly Sample[], scalars: readonly number[]): Sample[] {
  let apply: (value: number) => number;
  if (Object.hasOwn(ELEMENT_WISE, name)) apply = ELEMENT_WISE[name]!;
  else if (name === 'round') {
    const toNearest = scalars[0] ?? 1;
    apply = (value) => roundToNearest(value, toNearest);
  } else {
    const min = name === 'clamp_max' ? -Infinity : scalars[0]!;
    const max = name === 'clamp_min' ? Infinity : name === 'clamp_max' ? scalars[0]! : scalars[1]!;
    if (max < min) return [];
    apply = (value) => Math.max(min, Math.min(max, value));
  }
  return samples.map((sample) => ({ labels: withoutMetricName(sample.labels), value: apply(sample.value) }));
}

/** `sort` / `sort_desc`: NaN sorts last in both, as in Prometheus. */
export function sortByValue(samples: readonly Sample[], descending: boolean): Sample[] {
  return [...samples].sort((left, right) => {
    if (Number.isNaN(left.value)) return Number.isNaN(right.value) ? 0 : 1;
    if (Number.isNaN(right.value)) return -1;
    return descending ? right.value - left.value : left.value - right.value;
  });
}
