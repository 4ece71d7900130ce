import type { SeriesStore } from '../store/series-store.js';
import { keyWithout, withoutMetricName, type Labels } from '../store/labels.js';
import type { ExpressionNode, MatrixSelectorNode, VectorSelectorNode } from './ast.js';
import { aggregate } from './aggregate.js';
import { setOperation, vectorScalar, vectorVector, applyOperator } from './binary.js';
import { absentLabels, rangeFunction, vectorFunction } from './functions.js';
import { bucketQuantile } from './quantile.js';
import type { ParsedExpression } from './parse.js';
import { evaluationError, type QueryValue, type RangeSeries, type Sample } from './values.js';

/** Where and when an expression is evaluated. */
export interface EvaluationContext {
  readonly store: SeriesStore;
  /** Evaluation time in epoch milliseconds. */
  readonly time: number;
  /** How far back an instant selector looks for the latest sample. Default 5 minutes. */
  readonly lookbackDelta?: number;
}

const DEFAULT_LOOKBACK = 5 * 60_000;

/**
 * Evaluates a parsed PromQL expression at one instant (as a rule or an
 * instant query does).
 */
export function evaluateExpression(expression: ParsedExpression, context: EvaluationContext): QueryValue {
  return new Evaluator(context).evaluate(expression.root);
}

class Evaluator {
  private readonly lookback: number;

  constructor(private readonly context: EvaluationContext) {
    this.lookback = context.lookbackDelta ?? DEFAULT_LOOKBACK;
  }

  evaluate(node: ExpressionNode): QueryValue {
    switch (node.kind) {
      case 'number':
        return { type: 'scalar', value: node.value };
      case 'string':
        return { type: 'string', value: node.value };
      case 'vectorSelector':
        return { type: 'vector', samples: this.instant(node) };
      case 'matrixSelector':
        return { type: 'matrix', series: this.range(node) };
      case 'unary': {
        const value = this.evaluate(node.expression);
        if (value.type === 'scalar') return { type: 'scalar', value: -value.value };
        return {
          type: 'vector',
          samples: this.vector(value).map((sample) => ({
            labels: withoutMetricName(sample.labels),
            value: -sample.value,
          })),
        };
      }
      case 'aggregate': {
        const parameter = node.parameter ? this.scalar(this.evaluate(node.parameter)) : Number.NaN;
        return { type: 'vector', samples: aggregate(node, this.vector(this.evaluate(node.expression)), parameter) };
      }
      case 'binary':
        return this.binary(node);
      case 'call':
        return this.call(node);
    }
  }

  private vector(value: QueryValue): readonly Sample[] {
    if (value.type !== 'vector') throw evaluationError(`Expected an instant vector, got ${value.type}`);
    return value.samples;
  }

  private scalar(value: QueryValue): number {
    if (value.type !== 'scalar') throw evaluationError(`Expected a scalar, got ${value.type}`);
    return value.value;
  }

  private instant(node: VectorSelectorNode): Sample[] {
    const end = this.context.time - node.offset;
    const start = end - this.lookback;
    const samples: Sample[] = [];
    for (const series of this.context.store.select(node.name, node.matchers)) {
      // Latest sample in (start, end]; a staleness marker there hides the series.
      const index = series.indexAfter(end) - 1;
      if (index < 0 || series.timeAt(index) <= start || series.isStaleAt(index)) continue;
      samples.push({ labels: series.labels, value: series.valueAt(index) });
    }
    return samples;
  }

  private range(node: MatrixSelectorNode): RangeSeries[] {
    const end = this.context.time - node.selector.offset;
    const start = end - node.range;
    const result: RangeSeries[] = [];
    for (const series of this.context.store.select(node.selector.name, node.selector.matchers)) {
      // Range selectors are left-open since Prometheus 3.0: (start, end].
      const window = series.window(series.indexAfter(start), series.indexAfter(end));
      if (window.end > window.start) result.push(window);
    }
    return result;
  }

  private binary(node: Extract<ExpressionNode, { kind: 'binary' }>): QueryValue {
    const left = this.evaluate(node.left);
    const right = this.evaluate(node.right);
    if (left.type === 'scalar' && right.type === 'scalar') {
      return { type: 'scalar', value: applyOperator(node.operator, left.value, right.value) };
    }
    if (left.type === 'scalar')
      return { type: 'vector', samples: vectorScalar(node, this.vector(right), left.value, true) };
    if (right.type === 'scalar')
      return { type: 'vector', samples: vectorScalar(node, this.vector(left), right.value, false) };
    const leftSamples = this.vector(left);
    const rightSamples = this.vector(right);
    if (node.matching?.cardinality === 'many-to-many') {
      return { type: 'vector', samples: setOperation(node, leftSamples, rightSamples) };
    }
    return { type: 'vector', samples: vectorVector(node, leftSamples, rightSamples) };
  }

  private call(node: Extract<ExpressionNode, { kind: 'call' }>): QueryValue {
    const { name, args } = node;
    switch (name) {
      case 'time':
        return { type: 'scalar', value: this.context.time / 1000 };
      case 'vector':
        return { type: 'vector', samples: [{ labels: {}, value: this.scalar(this.evaluate(args[0]!)) }] };
      case 'scalar': {
        const samples = this.vector(this.evaluate(args[0]!));
        return { type: 'scalar', value: samples.length === 1 ? samples[0]!.value : Number.NaN };
      }
      case 'absent': {
        const samples = this.vector(this.evaluate(args[0]!));
        if (samples.length > 0) return { type: 'vector', samples: [] };
        const selector = args[0]!.kind === 'vectorSelector' ? args[0] : undefined;
        return { type: 'vector', samples: [{ labels: selector ? absentLabels(selector) : {}, value: 1 }] };
      }
      case 'absent_over_time': {
        const matrix = args[0] as MatrixSelectorNode;
        if (this.range(matrix).length > 0) return { type: 'vector', samples: [] };
        return { type: 'vector', samples: [{ labels: absentLabels(matrix.selector), value: 1 }] };
      }
      case 'histogram_quantile':
        return {
          type: 'vector',
          samples: histogramQuantile(this.scalar(this.evaluate(args[0]!)), this.vector(this.evaluate(args[1]!))),
        };
      default:
        break;
    }
    const matrixIndex = args.findIndex((arg) => arg.kind === 'matrixSelector');
    if (matrixIndex !== -1) {
      const matrix = args[matrixIndex] as MatrixSelectorNode;
      const parameter = matrixIndex > 0 ? this.scalar(this.evaluate(args[0]!)) : Number.NaN;
      const keepName = name === 'last_over_time';
      const samples: Sample[] = [];
      for (const series of this.range(matrix)) {
        const value = rangeFunction(name, series, matrix, this.context.time, parameter);
        if (value === undefined) continue;
        samples.push({ labels: keepName ? series.labels : series.unnamedLabels, value });
      }
      return { type: 'vector', samples };
    }
    const samples = this.vector(this.evaluate(args[0]!));
    const scalars = args.slice(1).map((arg) => this.scalar(this.evaluate(arg)));
    return { type: 'vector', samples: vectorFunction(node, samples, scalars) };
  }
}

function histogramQuantile(q: number, samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { upperBound: number; count: number }[] }>();
  for (const sample of samples) {
    const le = sample.labels.le;
    if (le === undefined) continue;
    const upperBound = parseBound(le);
    if (Number.isNaN(upperBound)) continue;
    const key = keyWithout(sample.labels, ['le']);
    let group = groups.get(key);
    if (!group) {
      const { le: _le, ...labels } = withoutMetricName(sample.labels);
      groups.set(key, (group = { labels, buckets: [] }));
    }
    group.buckets.push({ upperBound, count: sample.value });
  }
  return [...groups.values()].map((group) => ({ labels: group.labels, value: bucketQuantile(q, group.buckets) }));
}

function parseBound(text: string): number {
  const lower = text.trim().toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === '') return Number.NaN;
  return Number(text);
}
