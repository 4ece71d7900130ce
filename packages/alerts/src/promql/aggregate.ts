import { labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
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

function compareForBottom(left: number, right: number): number {
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : 1;
  if (Number.isNaN(right)) return -1;
  return left - right;
}

interface Group {
  labels: Labels;
  samples: Sample[];
}

function compareForTop(left: number, right: number): number {
  // NaN sorts below every number for topk and above for bottomk, as Prometheus does.
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : -1;
  if (Number.isNaN(right)) return 1;
  return left - right;
}

function reduce(operator: string, values: readonly number[]): number {
  switch (operator) {
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'avg': {
      let mean = 0;
      values.forEach((value, index) => (mean += (value - mean) / (index + 1)));
      return mean;
    }
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min':
      return values.reduce((min, value) => (value < min || Number.isNaN(min) ? value : min));
    case 'max':
      return values.reduce((max, value) => (value > max || Number.isNaN(max) ? value : max));
    case 'stddev':
    case 'stdvar': {
      let mean = 0;
      let aux = 0;
      values.forEach((value, index) => {
        const delta = value - mean;
        mean += delta / (index + 1);
        aux += delta * (value - mean);
      });
      const result = aux / values.length;
      return operator === 'stddev' ? Math.sqrt(result) : result;
    }
    default:
      return Number.NaN;
  }
}

/** Evaluates an aggregation (`sum by (...)`, `topk`, `quantile`, ...) over an instant vector. */
export function aggregate(node: AggregateNode, samples: readonly Sample[], parameter: number): Sample[] {
  const groups = new Map<string, Group>();
  for (const sample of samples) {
    const labels = groupLabels(sample.labels, node);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, samples: [] }));
    group.samples.push(sample);
  }
  const result: Sample[] = [];
  for (const group of groups.values()) {
    if (node.operator === 'topk' || node.operator === 'bottomk') {
      const k = Math.trunc(parameter);
      if (!(k >= 1)) continue;
      const sorted = [...group.samples].sort((left, right) =>
        node.operator === 'topk'
          ? compareForTop(right.value, left.value)
          : compareForBottom(left.value, right.value),
      );
      result.push(...sorted.slice(0, k));
    } else if (node.operator === 'quantile') {
      result.push({ labels: group.labels, value: quantile(parameter, group.samples.map((sample) => sample.value)) });
    } else {
      result.push({ labels: group.labels, value: reduce(node.operator, group.samples.map((sample) => sample.value)) });
    }
  }
  return result;
}
