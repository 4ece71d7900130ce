import type { ValueType } from './ast.js';

/** Argument and return types of a supported PromQL function. */
export interface FunctionSignature {
  readonly arguments: readonly ValueType[];
  /** How many trailing arguments may be omitted. */
  readonly optional?: number;
  /** The last argument type may repeat any number of times (`label_join`, `sort_by_label`). */
  readonly variadic?: ValueType;
  readonly returns: ValueType;
}

const overTime: FunctionSignature = { arguments: ['matrix'], returns: 'vector' };
const math: FunctionSignature = { arguments: ['vector'], returns: 'vector' };
const dateTime: FunctionSignature = { arguments: ['vector'], optional: 1, returns: 'vector' };

const OVER_TIME = [
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'first_over_time',
  'present_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'mad_over_time',
  'ts_of_last_over_time',
  'ts_of_first_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'changes',
  'resets',
  'absent_over_time',
];
const MATH = [
  'absent',
  'abs',
  'ceil',
  'floor',
  'exp',
  'ln',
  'log2',
  'log10',
  'sqrt',
  'sgn',
  'sort',
  'sort_desc',
  'timestamp',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
  'rad',
  'deg',
];
const DATE_TIME = ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute'];

/** Every function the evaluator supports; anything else is rejected at load time. */
export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  ...Object.fromEntries(OVER_TIME.map((name) => [name, overTime])),
  ...Object.fromEntries(MATH.map((name) => [name, math])),
  ...Object.fromEntries(DATE_TIME.map((name) => [name, dateTime])),
  quantile_over_time: { arguments: ['scalar', 'matrix'], returns: 'vector' },
  predict_linear: { arguments: ['matrix', 'scalar'], returns: 'vector' },
  double_exponential_smoothing: { arguments: ['matrix', 'scalar', 'scalar'], returns: 'vector' },
  histogram_quantile: { arguments: ['scalar', 'vector'], returns: 'vector' },
  histogram_quantiles: { arguments: ['vector', 'string', 'scalar'], variadic: 'scalar', returns: 'vector' },
  histogram_fraction: { arguments: ['scalar', 'scalar', 'vector'], returns: 'vector' },
  round: { arguments: ['vector', 'scalar'], optional: 1, returns: 'vector' },
  clamp: { arguments: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { arguments: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { arguments: ['vector', 'scalar'], returns: 'vector' },
  label_replace: { arguments: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
  label_join: { arguments: ['vector', 'string', 'string'], variadic: 'string', returns: 'vector' },
  sort_by_label: { arguments: ['vector'], variadic: 'string', returns: 'vector' },
  sort_by_label_desc: { arguments: ['vector'], variadic: 'string', returns: 'vector' },
  time: { arguments: [], returns: 'scalar' },
  pi: { arguments: [], returns: 'scalar' },
  start: { arguments: [], returns: 'scalar' },
  end: { arguments: [], returns: 'scalar' },
  step: { arguments: [], returns: 'scalar' },
  range: { arguments: [], returns: 'scalar' },
  vector: { arguments: ['scalar'], returns: 'vector' },
  scalar: { arguments: ['vector'], returns: 'scalar' },
};
