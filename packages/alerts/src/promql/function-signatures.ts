import type { ValueType } from './ast.js';

/** Argument and return types of a supported PromQL function. */
export interface FunctionSignature {
  readonly arguments: readonly ValueType[];
  /** How many trailing arguments may be omitted. */
  readonly optional?: number;
  readonly returns: ValueType;
}

const overTime: FunctionSignature = { arguments: ['matrix'], returns: 'vector' };
const math: FunctionSignature = { arguments: ['vector'], returns: 'vector' };

/** Every function the evaluator supports; anything else is rejected at load time. */
export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  rate: overTime,
  irate: overTime,
  increase: overTime,
  delta: overTime,
  idelta: overTime,
  avg_over_time: overTime,
  min_over_time: overTime,
  max_over_time: overTime,
  sum_over_time: overTime,
  count_over_time: overTime,
  last_over_time: overTime,
  present_over_time: overTime,
  stddev_over_time: overTime,
  stdvar_over_time: overTime,
  changes: overTime,
  resets: overTime,
  absent_over_time: overTime,
  quantile_over_time: { arguments: ['scalar', 'matrix'], returns: 'vector' },
  histogram_quantile: { arguments: ['scalar', 'vector'], returns: 'vector' },
  absent: math,
  abs: math,
  ceil: math,
  floor: math,
  exp: math,
  ln: math,
  log2: math,
  log10: math,
  sqrt: math,
  sort: math,
  sort_desc: math,
  round: { arguments: ['vector', 'scalar'], optional: 1, returns: 'vector' },
  clamp: { arguments: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { arguments: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { arguments: ['vector', 'scalar'], returns: 'vector' },
  time: { arguments: [], returns: 'scalar' },
  vector: { arguments: ['scalar'], returns: 'vector' },
  scalar: { arguments: ['vector'], returns: 'scalar' },
};
