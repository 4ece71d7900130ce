import { TelltaleError } from '@telltale/core';
import type { Labels } from '../store/labels.js';

/** One element of an instant vector. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * One series of a range vector: its labels and the samples inside the range,
 * as the index range `[start, end)` of the store's own buffers (no copy).
 */
export interface RangeSeries {
  readonly labels: Labels;
  /** `labels` without `__name__`. */
  readonly unnamedLabels: Labels;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly start: number;
  readonly end: number;
}

/** The result of evaluating an expression at one instant. */
export type QueryValue =
  | { readonly type: 'scalar'; readonly value: number }
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'matrix'; readonly series: readonly RangeSeries[] }
  | { readonly type: 'string'; readonly value: string };

/** Errors raised while evaluating a valid expression (e.g. many-to-many matching). */
export function evaluationError(message: string): TelltaleError {
  return new TelltaleError('TELLTALE_PROMQL_EVALUATION', message);
}
