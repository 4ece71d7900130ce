import { keyOfNames, keyWithout, METRIC_NAME, type Labels } from '../store/labels.js';
import type { AggregateNode } from './ast.js';
import { KahanMean } from './kahan.js';
import { quantile } from './quantile.js';
import { evaluationError, type Sample } from './values.js';

function groupLabels(labels: Labels, without: boolean, grouping: readonly string[]): Labels {
  const result: Record<string, string> = {};
  if (without) {
    for (const [name, value] of Object.entries(labels)) {
      if (name !== METRIC_NAME && !grouping.includes(name)) result[name] = value;
    }
  } else {
    for (const name of grouping) {
      const value = labels[name];
      if (value !== undefined && value !== '') result[name] = value;
    }
  }
  return result;
}

function compareForTop(left: number, right: number): number {
  // NaN sorts below every number for topk and above for bottomk, as Prometheus does.
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : -1;
  if (Number.isNaN(right)) return 1;
  return left - right;
}

function compareForBottom(left: number, right: number): number {
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : 1;
  if (Number.isNaN(right)) return -1;
  return left - right;
}

/** Running state of one output group; streaming so no per-group arrays are needed. */
interface Group {
  readonly labels: Labels;
  readonly samples: Sample[];
  count: number;
  /** Kahan–Neumaier sum and its compensation (`sum`). */
  sum: number;
  compensation: number;
  /** Overflow-safe mean (`avg`), created on first use. */
  average: KahanMean | undefined;
  /** Welford mean and sum of squares (`stddev`, `stdvar`). */
  mean: number;
  squares: number;
  min: number;
  max: number;
}

const KEEPS_SAMPLES = new Set(['topk', 'bottomk', 'quantile', 'limitk']);

function add(group: Group, value: number, operator: string): void {
  group.count++;
  switch (operator) {
    case 'sum': {
      const total = group.sum + value;
      if (total === Infinity || total === -Infinity) group.compensation = 0;
      else if (Math.abs(group.sum) >= Math.abs(value)) group.compensation += group.sum - total + value;
      else group.compensation += value - total + group.sum;
      group.sum = total;
      return;
    }
    case 'avg':
      (group.average ??= new KahanMean()).add(value);
      return;
    case 'stddev':
    case 'stdvar': {
      const delta = value - group.mean;
      group.mean += delta / group.count;
      group.squares += delta * (value - group.mean);
      return;
    }
    case 'min':
      if (value < group.min || Number.isNaN(group.min)) group.min = value;
      return;
    case 'max':
      if (value > group.max || Number.isNaN(group.max)) group.max = value;
      return;
    default:
      return;
  }
}

function result(operator: string, group: Group): number {
  switch (operator) {
    case 'sum':
      return group.sum + group.compensation;
    case 'avg':
      return group.average!.value();
    case 'count':
      return group.count;
    case 'group':
      return 1;
    case 'min':
      return group.min;
    case 'max':
      return group.max;
    case 'stddev':
      return Math.sqrt(group.squares / group.count);
    case 'stdvar':
      return group.squares / group.count;
    default:
      return Number.NaN;
  }
}

/** Prometheus' `strconv.FormatFloat(value, 'f', -1, 64)`, the label value `count_values` writes. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const text = String(value);
  if (!text.includes('e')) return text;
  if (Number.isInteger(value)) return BigInt(value).toString();
  return value.toFixed(
    Math.min(100, Number(text.split('e-')[1] ?? 0) + (text.split('e')[0]!.split('.')[1]?.length ?? 0)),
  );
}

function checkK(value: number): number {
  if (Number.isNaN(value)) throw evaluationError('Parameter value is NaN');
  if (value >= 2 ** 63) throw evaluationError(`Scalar value ${value} overflows int64`);
  if (value <= -(2 ** 63)) throw evaluationError(`Scalar value ${value} underflows int64`);
  return Math.trunc(value);
}

/** `count_values("label", v)`: one output per group and distinct value, counting the samples. */
function countValues(node: AggregateNode, samples: readonly Sample[], label: string): Sample[] {
  if (label === '' || label.includes('\uFFFD')) throw evaluationError(`invalid label name ${JSON.stringify(label)}`);
  const grouping = node.without
    ? node.grouping.filter((name) => name !== label)
    : [...node.grouping.filter((name) => name !== label), label];
  const labelled = samples.map((sample) => ({
    labels: { ...sample.labels, [label]: formatValue(sample.value) },
    value: sample.value,
  }));
  return aggregate({ ...node, operator: 'count', grouping }, labelled, Number.NaN);
}

/** Evaluates an aggregation (`sum by (...)`, `topk`, `quantile`, ...) over an instant vector. */
export function aggregate(node: AggregateNode, samples: readonly Sample[], parameter: number | string): Sample[] {
  if (node.operator === 'count_values') return countValues(node, samples, String(parameter));
  const numeric = typeof parameter === 'number' ? parameter : Number.NaN;
  const operator = node.operator;
  const isK = operator === 'topk' || operator === 'bottomk' || operator === 'limitk';
  const k = isK ? checkK(numeric) : 0;
  if (isK && k < 1) return [];
  const groups = new Map<string, Group>();
  const names = node.without ? node.grouping : [...node.grouping].sort();
  const keepSamples = KEEPS_SAMPLES.has(operator);
  for (const sample of samples) {
    const key = node.without ? keyWithout(sample.labels, names) : keyOfNames(sample.labels, names);
    let group = groups.get(key);
    if (!group) {
      group = {
        labels: groupLabels(sample.labels, node.without, node.grouping),
        samples: [],
        count: 0,
        sum: 0,
        compensation: 0,
        average: undefined,
        mean: 0,
        squares: 0,
        min: Number.NaN,
        max: Number.NaN,
      };
      groups.set(key, group);
    }
    if (keepSamples) group.samples.push(sample);
    else add(group, sample.value, operator);
  }
  const output: Sample[] = [];
  for (const group of groups.values()) {
    if (operator === 'limitk') output.push(...group.samples.slice(0, k));
    else if (operator === 'topk' || operator === 'bottomk') {
      const sorted = [...group.samples].sort((left, right) =>
        operator === 'topk' ? compareForTop(right.value, left.value) : compareForBottom(left.value, right.value),
      );
      output.push(...sorted.slice(0, k));
    } else if (operator === 'quantile') {
      output.push({
        labels: group.labels,
        value: quantile(
          numeric,
          group.samples.map((sample) => sample.value),
        ),
      });
    } else {
      output.push({ labels: group.labels, value: result(operator, group) });
    }
  }
  return output;
}
