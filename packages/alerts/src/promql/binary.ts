import { keyOfNames, keyWithout, labelsKey, METRIC_NAME, withoutMetricName, type Labels } from '../store/labels.js';
import type { BinaryNode, VectorMatching } from './ast.js';
import { COMPARISON_OPERATORS } from './ast.js';
import { evaluationError, type Sample } from './values.js';

/** Applies an arithmetic or comparison operator; comparisons return 1/0. */
export function applyOperator(operator: string, left: number, right: number): number {
  switch (operator) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return left / right;
    case '%':
      return left % right;
    case '^':
      return Math.pow(left, right);
    case 'atan2':
      return Math.atan2(left, right);
    case '==':
      return left === right ? 1 : 0;
    case '!=':
      return left !== right ? 1 : 0;
    case '>':
      return left > right ? 1 : 0;
    case '<':
      return left < right ? 1 : 0;
    case '>=':
      return left >= right ? 1 : 0;
    case '<=':
      return left <= right ? 1 : 0;
    default:
      throw evaluationError(`Unknown operator ${operator}`);
  }
}

/** Vector ⊕ scalar (or scalar ⊕ vector when `scalarOnLeft`). */
export function vectorScalar(
  node: BinaryNode,
  samples: readonly Sample[],
  scalar: number,
  scalarOnLeft: boolean,
): Sample[] {
  const isComparison = COMPARISON_OPERATORS.has(node.operator);
  const result: Sample[] = [];
  for (const sample of samples) {
    const left = scalarOnLeft ? scalar : sample.value;
    const right = scalarOnLeft ? sample.value : scalar;
    const outcome = applyOperator(node.operator, left, right);
    if (isComparison) {
      if (node.returnBool) result.push({ labels: withoutMetricName(sample.labels), value: outcome });
      else if (outcome === 1) result.push(sample);
    } else {
      result.push({ labels: withoutMetricName(sample.labels), value: outcome });
    }
  }
  return result;
}

const sortedMatchingLabels = new WeakMap<VectorMatching, readonly string[]>();

function signature(labels: Labels, matching: VectorMatching): string {
  if (!matching.on) return keyWithout(labels, matching.labels);
  let names = sortedMatchingLabels.get(matching);
  if (!names) sortedMatchingLabels.set(matching, (names = [...matching.labels].sort()));
  return keyOfNames(labels, names);
}

/** `and`, `or`, `unless` between two instant vectors. */
export function setOperation(node: BinaryNode, left: readonly Sample[], right: readonly Sample[]): Sample[] {
  const matching = node.matching!;
  const rightSignatures = new Set(right.map((sample) => signature(sample.labels, matching)));
  switch (node.operator) {
    case 'and':
      return left.filter((sample) => rightSignatures.has(signature(sample.labels, matching)));
    case 'unless':
      return left.filter((sample) => !rightSignatures.has(signature(sample.labels, matching)));
    default: {
      const leftSignatures = new Set(left.map((sample) => signature(sample.labels, matching)));
      return [...left, ...right.filter((sample) => !leftSignatures.has(signature(sample.labels, matching)))];
    }
  }
}

function resultLabels(left: Labels, right: Labels, node: BinaryNode): Labels {
  const matching = node.matching!;
  const isComparison = COMPARISON_OPERATORS.has(node.operator);
  const dropName = !isComparison || node.returnBool;
  const oneToOne = matching.cardinality === 'one-to-one';
  // Fast path: nothing to remove or add, so the (immutable) left label set is the result.
  if (
    (!dropName || !(METRIC_NAME in left)) &&
    matching.include.length === 0 &&
    (!oneToOne || (!matching.on && !matching.labels.some((name) => name in left)))
  ) {
    return left;
  }
  const result: Record<string, string> = {};
  if (oneToOne && matching.on) {
    for (const name of matching.labels) {
      if (left[name] !== undefined && !(dropName && name === METRIC_NAME)) result[name] = left[name];
    }
  } else {
    for (const name of Object.keys(left)) {
      if (dropName && name === METRIC_NAME) continue;
      if (oneToOne && matching.labels.includes(name)) continue;
      result[name] = left[name]!;
    }
  }
  for (const name of matching.include) {
    const value = right[name];
    if (value !== undefined && value !== '') result[name] = value;
    else delete result[name];
  }
  return result;
}

/** Arithmetic and comparison between two instant vectors with vector matching. */
export function vectorVector(node: BinaryNode, leftInput: readonly Sample[], rightInput: readonly Sample[]): Sample[] {
  const matching = node.matching!;
  const swapped = matching.cardinality === 'one-to-many';
  // The "one" side is hashed; with group_right the sides swap, as in Prometheus.
  const many = swapped ? rightInput : leftInput;
  const one = swapped ? leftInput : rightInput;
  const oneBySignature = new Map<string, Sample>();
  for (const sample of one) {
    const key = signature(sample.labels, matching);
    if (oneBySignature.has(key)) {
      throw evaluationError(
        matching.cardinality === 'one-to-one'
          ? `found duplicate series for the match group on the ${swapped ? 'left' : 'right'} hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side`
          : `many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    oneBySignature.set(key, sample);
  }
  const isComparison = COMPARISON_OPERATORS.has(node.operator);
  const matchedSignatures = new Set<string>();
  const outputKeys = new Set<string>();
  const result: Sample[] = [];
  for (const sample of many) {
    const key = signature(sample.labels, matching);
    const other = oneBySignature.get(key);
    if (!other) continue;
    const leftValue = swapped ? other.value : sample.value;
    const rightValue = swapped ? sample.value : other.value;
    const outcome = applyOperator(node.operator, leftValue, rightValue);
    const labels = resultLabels(sample.labels, other.labels, node);
    // Cardinality is checked before a filtering comparison drops the sample, as in Prometheus:
    // `many > on(job) one` fails even when every sample on the many side would be filtered out.
    if (matching.cardinality === 'one-to-one') {
      if (matchedSignatures.has(key)) {
        throw evaluationError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matchedSignatures.add(key);
    } else {
      const outputKey = `${key}\u0002${labelsKey(labels)}`;
      if (outputKeys.has(outputKey)) {
        throw evaluationError('multiple matches for labels: grouping labels must ensure unique matches');
      }
      outputKeys.add(outputKey);
    }
    let value = outcome;
    if (isComparison && !node.returnBool) {
      if (outcome !== 1) continue;
      value = leftValue;
    }
    result.push({ labels, value });
  }
  return result;
}
