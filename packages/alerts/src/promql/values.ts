import { TelltaleError } from '@telltale/core';
import { labelsKey, type Labels } from '../store/labels.js';
import type { ExpressionNode } from './ast.js';

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

/**
 * Fails when two samples share a label set, as Prometheus does once a
 * function or operator has dropped `__name__` (`ceil({__name__=~"a|b"})`).
 */
export function assertDistinctLabels(samples: readonly { readonly labels: Labels }[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = labelsKey(sample.labels);
    if (seen.has(key)) throw evaluationError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

/**
 * Whether dropping `__name__` from this expression's samples can make two of
 * them equal. A selector with a metric name cannot (its series differ in
 * other labels), which keeps the check off the common path.
 */
export function mayCollide(node: ExpressionNode): boolean {
  if (node.kind === 'vectorSelector') return node.name === undefined;
  if (node.kind === 'matrixSelector') return node.selector.name === undefined;
  return true;
}
