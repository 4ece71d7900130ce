import { withoutMetricName, type Labels } from '../store/labels.js';
import type { CallNode, ExpressionNode, MatrixSelectorNode, SubqueryNode, VectorSelectorNode } from './ast.js';
import type { Evaluator } from './evaluate.js';
import { histogramFraction, histogramQuantile, histogramQuantiles } from './functions-histogram.js';
import { labelJoin, labelReplace, sortByLabel } from './functions-labels.js';
import { isMathFunction, mathFunction, sortByValue } from './functions-math.js';
import { rangeFunction } from './functions-over-time.js';
import { dateFunction } from './functions-time.js';
import { typeOf } from './type-of.js';
import { assertDistinctLabels, mayCollide, type QueryValue, type Sample } from './values.js';

const DATE_FUNCTIONS = new Set([
  'year',
  'month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
]);
/** Range functions that keep the metric name, as in Prometheus. */
const KEEPS_NAME = new Set(['last_over_time', 'first_over_time']);

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

function vectorOf(samples: readonly Sample[]): QueryValue {
  return { type: 'vector', samples };
}

function stringArgument(evaluator: Evaluator, node: ExpressionNode): string {
  const value = evaluator.evaluate(node);
  return value.type === 'string' ? value.value : '';
}

/** Evaluates a function call (the signature was checked at parse time). */
export function evaluateCall(evaluator: Evaluator, node: CallNode): QueryValue {
  const { name, args } = node;
  const vectorArgument = (index: number): readonly Sample[] => evaluator.vector(evaluator.evaluate(args[index]!));
  const scalarArgument = (index: number): number => evaluator.scalar(evaluator.evaluate(args[index]!));
  switch (name) {
    case 'time':
      return { type: 'scalar', value: evaluator.time / 1000 };
    case 'pi':
      return { type: 'scalar', value: Math.PI };
    case 'start':
    case 'end':
      // An instant query (and a rule evaluation) starts and ends at its evaluation time.
      return { type: 'scalar', value: evaluator.queryTime / 1000 };
    case 'step':
    case 'range':
      return { type: 'scalar', value: 0 };
    case 'vector':
      return vectorOf([{ labels: {}, value: scalarArgument(0) }]);
    case 'scalar': {
      const samples = vectorArgument(0);
      return { type: 'scalar', value: samples.length === 1 ? samples[0]!.value : Number.NaN };
    }
    case 'absent': {
      if (vectorArgument(0).length > 0) return vectorOf([]);
      const selector = args[0]!.kind === 'vectorSelector' ? args[0] : undefined;
      return vectorOf([{ labels: selector ? absentLabels(selector) : {}, value: 1 }]);
    }
    case 'absent_over_time': {
      const matrix = args[0] as MatrixSelectorNode | SubqueryNode;
      if (evaluator.matrix(matrix).series.length > 0) return vectorOf([]);
      return vectorOf([{ labels: matrix.kind === 'matrixSelector' ? absentLabels(matrix.selector) : {}, value: 1 }]);
    }
    case 'histogram_quantile':
      return vectorOf(histogramQuantile(scalarArgument(0), vectorArgument(1)));
    case 'histogram_quantiles':
      return vectorOf(
        histogramQuantiles(
          vectorArgument(0),
          stringArgument(evaluator, args[1]!),
          args.slice(2).map((_, index) => scalarArgument(index + 2)),
        ),
      );
    case 'histogram_fraction':
      return vectorOf(histogramFraction(scalarArgument(0), scalarArgument(1), vectorArgument(2)));
    case 'label_replace':
      return vectorOf(
        labelReplace(
          vectorArgument(0),
          stringArgument(evaluator, args[1]!),
          stringArgument(evaluator, args[2]!),
          stringArgument(evaluator, args[3]!),
          stringArgument(evaluator, args[4]!),
        ),
      );
    case 'label_join':
      return vectorOf(
        labelJoin(
          vectorArgument(0),
          stringArgument(evaluator, args[1]!),
          stringArgument(evaluator, args[2]!),
          args.slice(3).map((arg) => stringArgument(evaluator, arg)),
        ),
      );
    case 'sort_by_label':
    case 'sort_by_label_desc':
      return vectorOf(
        sortByLabel(
          vectorArgument(0),
          args.slice(1).map((arg) => stringArgument(evaluator, arg)),
          name === 'sort_by_label_desc',
        ),
      );
    case 'sort':
    case 'sort_desc':
      return vectorOf(sortByValue(vectorArgument(0), name === 'sort_desc'));
    case 'timestamp':
      return vectorOf(timestamps(evaluator, args[0]!));
    default:
      break;
  }
  if (DATE_FUNCTIONS.has(name)) {
    const samples = args.length === 0 ? undefined : vectorArgument(0);
    const result = dateFunction(name, samples, evaluator.time);
    if (args.length > 0 && mayCollide(args[0]!)) assertDistinctLabels(result);
    return vectorOf(result);
  }
  const matrixIndex = args.findIndex((arg) => typeOf(arg) === 'matrix');
  if (matrixIndex !== -1) {
    const matrixNode = args[matrixIndex] as MatrixSelectorNode | SubqueryNode;
    const parameters = args.flatMap((arg, index) => (index === matrixIndex ? [] : [scalarArgument(index)]));
    const matrix = evaluator.matrix(matrixNode);
    const keepName = KEEPS_NAME.has(name);
    const samples: Sample[] = [];
    for (const series of matrix.series) {
      const value = rangeFunction(name, series, matrix.window, evaluator.time, parameters);
      if (value === undefined) continue;
      samples.push({ labels: keepName ? series.labels : series.unnamedLabels, value });
    }
    if (!keepName && mayCollide(matrixNode)) assertDistinctLabels(samples);
    return vectorOf(samples);
  }
  if (isMathFunction(name)) {
    const scalars = args.slice(1).map((_, index) => scalarArgument(index + 1));
    const result = mathFunction(name, vectorArgument(0), scalars);
    if (mayCollide(args[0]!)) assertDistinctLabels(result);
    return vectorOf(result);
  }
  return vectorOf([]);
}

/** `timestamp(v)`: a selector's samples keep their own timestamps; anything else has the evaluation time. */
function timestamps(evaluator: Evaluator, arg: ExpressionNode): Sample[] {
  let samples: readonly Sample[];
  let times: number[] | undefined;
  if (arg.kind === 'vectorSelector') {
    times = [];
    samples = evaluator.instant(arg, times);
  } else {
    samples = evaluator.vector(evaluator.evaluate(arg));
  }
  const result = samples.map((sample, index) => ({
    labels: withoutMetricName(sample.labels),
    value: (times ? times[index]! : evaluator.time) / 1000,
  }));
  if (mayCollide(arg)) assertDistinctLabels(result);
  return result;
}
