import type { SeriesStore } from '../store/series-store.js';
import { labelsKey, withoutMetricName, type Labels } from '../store/labels.js';
import {
  COMPARISON_OPERATORS,
  type AtModifier,
  type ExpressionNode,
  type MatrixSelectorNode,
  type SubqueryNode,
  type VectorSelectorNode,
} from './ast.js';
import { aggregate } from './aggregate.js';
import { setOperation, vectorScalar, vectorVector, applyOperator } from './binary.js';
import { evaluateCall } from './evaluate-calls.js';
import type { RangeWindow } from './functions-rate.js';
import type { ParsedExpression } from './parse.js';
import {
  assertDistinctLabels,
  evaluationError,
  mayCollide,
  type QueryValue,
  type RangeSeries,
  type Sample,
} from './values.js';

/** Where and when an expression is evaluated. */
export interface EvaluationContext {
  readonly store: SeriesStore;
  /** Evaluation time in epoch milliseconds. */
  readonly time: number;
  /** How far back an instant selector looks for the latest sample. Default 5 minutes. */
  readonly lookbackDelta?: number;
}

const DEFAULT_LOOKBACK = 5 * 60_000;
/** Step of a subquery written without one (`x[10m:]`): Prometheus' default evaluation interval. */
const DEFAULT_SUBQUERY_STEP = 60_000;

/** A range vector with the window it covers (range functions extrapolate to its bounds). */
export interface Matrix {
  readonly series: readonly RangeSeries[];
  readonly window: RangeWindow;
}

/**
 * Evaluates a parsed PromQL expression at one instant (as a rule or an
 * instant query does).
 */
export function evaluateExpression(expression: ParsedExpression, context: EvaluationContext): QueryValue {
  const lookback = context.lookbackDelta ?? DEFAULT_LOOKBACK;
  return new Evaluator(context.store, context.time, lookback, context.time).evaluate(expression.root);
}

/** Evaluates at `time`; `queryTime` is what `@ start()` / `@ end()` mean (the instant query's time). */
export class Evaluator {
  constructor(
    readonly store: SeriesStore,
    readonly time: number,
    private readonly lookback: number,
    /** The instant query's (or rule evaluation's) time: what `start()`, `end()` and `@ start()` mean. */
    readonly queryTime: number,
  ) {}

  evaluate(node: ExpressionNode): QueryValue {
    switch (node.kind) {
      case 'number':
        return { type: 'scalar', value: node.value };
      case 'string':
        return { type: 'string', value: node.value };
      case 'vectorSelector':
        return { type: 'vector', samples: this.instant(node) };
      case 'matrixSelector':
      case 'subquery':
        return { type: 'matrix', series: this.matrix(node).series };
      case 'unary': {
        const value = this.evaluate(node.expression);
        if (value.type === 'scalar') return { type: 'scalar', value: -value.value };
        const samples = this.vector(value).map((sample) => ({
          labels: withoutMetricName(sample.labels),
          value: -sample.value,
        }));
        if (mayCollide(node.expression)) assertDistinctLabels(samples);
        return { type: 'vector', samples };
      }
      case 'aggregate': {
        const parameter = node.parameter ? this.evaluate(node.parameter) : undefined;
        const value = parameter?.type === 'string' ? parameter.value : parameter ? this.scalar(parameter) : Number.NaN;
        return { type: 'vector', samples: aggregate(node, this.vector(this.evaluate(node.expression)), value) };
      }
      case 'binary':
        return this.binary(node);
      case 'call':
        return evaluateCall(this, node);
    }
  }

  vector(value: QueryValue): readonly Sample[] {
    if (value.type !== 'vector') throw evaluationError(`Expected an instant vector, got ${value.type}`);
    return value.samples;
  }

  scalar(value: QueryValue): number {
    if (value.type !== 'scalar') throw evaluationError(`Expected a scalar, got ${value.type}`);
    return value.value;
  }

  /** The end of the window a selector or subquery reads, after `@` and `offset`. */
  private endOf(node: { readonly offset: number; readonly at?: AtModifier }): number {
    const at = node.at;
    const base = at === undefined ? this.time : typeof at === 'number' ? at : this.queryTime;
    return base - node.offset;
  }

  /** Latest sample of each series in `(end - lookback, end]`; `times` receives their timestamps when given. */
  instant(node: VectorSelectorNode, times?: number[]): Sample[] {
    const end = this.endOf(node);
    const start = end - this.lookback;
    const samples: Sample[] = [];
    for (const series of this.store.select(node.name, node.matchers)) {
      // Latest sample in (start, end]; a staleness marker there hides the series.
      const index = series.indexAfter(end) - 1;
      if (index < 0 || series.timeAt(index) <= start || series.isStaleAt(index)) continue;
      samples.push({ labels: series.labels, value: series.valueAt(index) });
      times?.push(series.timeAt(index));
    }
    return samples;
  }

  /** A range selector's or a subquery's series, with the window they cover. */
  matrix(node: MatrixSelectorNode | SubqueryNode): Matrix {
    if (node.kind === 'subquery') return this.subquery(node);
    const end = this.endOf(node.selector);
    const start = end - node.range;
    const series: RangeSeries[] = [];
    for (const stored of this.store.select(node.selector.name, node.selector.matchers)) {
      // Range selectors are left-open since Prometheus 3.0: (start, end].
      const window = stored.window(stored.indexAfter(start), stored.indexAfter(end));
      if (window.end > window.start) series.push(window);
    }
    return { series, window: { start, end } };
  }

  /**
   * Evaluates the inner expression at every step in `(end - range, end]`,
   * steps aligned to multiples of the step as in Prometheus (so results do
   * not depend on when the rule happens to run).
   */
  private subquery(node: SubqueryNode): Matrix {
    const end = this.endOf(node);
    const start = end - node.range;
    const step = node.step || DEFAULT_SUBQUERY_STEP;
    let time = step * Math.trunc(start / step);
    if (time <= start) time += step;
    const collected = new Map<string, { labels: Labels; times: number[]; values: number[] }>();
    for (; time <= end; time += step) {
      const inner = new Evaluator(this.store, time, this.lookback, this.queryTime);
      for (const sample of this.vector(inner.evaluate(node.expression))) {
        const key = labelsKey(sample.labels);
        let entry = collected.get(key);
        if (!entry) collected.set(key, (entry = { labels: sample.labels, times: [], values: [] }));
        entry.times.push(time);
        entry.values.push(sample.value);
      }
    }
    const series = [...collected.values()].map((entry): RangeSeries => ({
      labels: entry.labels,
      unnamedLabels: withoutMetricName(entry.labels),
      times: Float64Array.from(entry.times),
      values: Float64Array.from(entry.values),
      start: 0,
      end: entry.times.length,
    }));
    return { series, window: { start, end } };
  }

  private binary(node: Extract<ExpressionNode, { kind: 'binary' }>): QueryValue {
    const left = this.evaluate(node.left);
    const right = this.evaluate(node.right);
    if (left.type === 'scalar' && right.type === 'scalar') {
      return { type: 'scalar', value: applyOperator(node.operator, left.value, right.value) };
    }
    if (left.type === 'scalar') return this.vectorScalar(node, node.right, this.vector(right), left.value, true);
    if (right.type === 'scalar') return this.vectorScalar(node, node.left, this.vector(left), right.value, false);
    const leftSamples = this.vector(left);
    const rightSamples = this.vector(right);
    if (node.matching?.cardinality === 'many-to-many') {
      return { type: 'vector', samples: setOperation(node, leftSamples, rightSamples) };
    }
    return { type: 'vector', samples: vectorVector(node, leftSamples, rightSamples) };
  }

  private vectorScalar(
    node: Extract<ExpressionNode, { kind: 'binary' }>,
    vectorNode: ExpressionNode,
    samples: readonly Sample[],
    scalar: number,
    scalarOnLeft: boolean,
  ): QueryValue {
    const result = vectorScalar(node, samples, scalar, scalarOnLeft);
    // Arithmetic and `bool` drop the metric name; a filtering comparison keeps it.
    if (mayCollide(vectorNode) && (node.returnBool || !COMPARISON_OPERATORS.has(node.operator))) {
      assertDistinctLabels(result);
    }
    return { type: 'vector', samples: result };
  }
}
