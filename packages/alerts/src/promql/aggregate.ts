import { keyOfNames, keyWithout, METRIC_NAME, type Labels } from '../store/labels.js';
import type { AggregateNode } from './ast.js';
import { quantile } from './quantile.js';
import type { Sample } from './values.js';

function groupLabels(labels: Labels, node: AggregateNode): Labels {
  const result: Record<string, string> = {};
  if (node.without) {
    for (const [name, value] of Object.entries(labels)) {
      if (name !== METRIC_NAME && !node.grouping.includes(name)) result[name] = value;
    }
  } else {
    for (const name of node.grouping) {
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
  sum: number;
  mean: number;
  squares: number;
  min: number;
  max: number;
}

const KEEPS_SAMPLES = new Set(['topk', 'bottomk', 'quantile']);

function add(group: Group, value: number): void {
  group.count++;
  group.sum += value;
  const delta = value - group.mean;
  group.mean += delta / group.count;
  group.squares += delta * (value - group.mean);
  if (value < group.min || Number.isNaN(group.min)) group.min = value;
  if (value > group.max || Number.isNaN(group.max)) group.max = value;
}

function result(operator: string, group: Group): number {
  switch (operator) {
    case 'sum':
      return group.sum;
    case 'avg':
      return group.mean;
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

/** Evaluates an aggregation (`sum by (...)`, `topk`, `quantile`, ...) over an instant vector. */
export function aggregate(node: AggregateNode, samples: readonly Sample[], parameter: number): Sample[] {
  const groups = new Map<string, Group>();
  const names = node.without ? node.grouping : [...node.grouping].sort();
  const keepSamples = KEEPS_SAMPLES.has(node.operator);
  for (const sample of samples) {
    const key = node.without ? keyWithout(sample.labels, names) : keyOfNames(sample.labels, names);
    let group = groups.get(key);
    if (!group) {
      group = {
        labels: groupLabels(sample.labels, node),
        samples: [],
        count: 0,
        sum: 0,
        mean: 0,
        squares: 0,
        min: Number.NaN,
        max: Number.NaN,
      };
      groups.set(key, group);
    }
    if (keepSamples) group.samples.push(sample);
    else add(group, sample.value);
  }
  const output: Sample[] = [];
  for (const group of groups.values()) {
    if (node.operator === 'topk' || node.operator === 'bottomk') {
      const k = Math.trunc(parameter);
      if (!(k >= 1)) continue;
      const sorted = [...group.samples].sort((left, right) =>
        node.operator === 'topk' ? compareForTop(right.value, left.value) : compareForBottom(left.value, right.value),
      );
      output.push(...sorted.slice(0, k));
    } else if (node.operator === 'quantile') {
      output.push({
        labels: group.labels,
        value: quantile(
          parameter,
          group.samples.map((sample) => sample.value),
        ),
      });
    } else {
      output.push({ labels: group.labels, value: result(node.operator, group) });
    }
  }
  return output;
}
