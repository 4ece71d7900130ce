import type { AggregateNode, ExpressionNode } from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import type { SyntaxNode } from './parse-context.js';
import type { Converter } from './parse.js';
import { typeOf } from './type-of.js';

const AGGREGATIONS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'topk',
  'bottomk',
  'quantile',
  'group',
  'stddev',
  'stdvar',
  'count_values',
  'limitk',
]);
const SCALAR_PARAMETER = new Set(['topk', 'bottomk', 'quantile', 'limitk']);

function describeCount(min: number, max: number): string {
  if (max === Infinity) return `at least ${min} argument(s)`;
  return min === max ? `${min} argument(s)` : `${min} to ${max} arguments`;
}

/** A function call, checked against its signature. */
export function call(converter: Converter, node: SyntaxNode): ExpressionNode {
  const [identifier, body] = converter.children(node);
  const name = converter.text(identifier!);
  const signature = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (!signature) return converter.unsupported(`function ${name}()`, node);
  const args = converter.arguments(body);
  const min = signature.arguments.length - (signature.optional ?? 0);
  const max = signature.variadic ? Infinity : signature.arguments.length;
  if (args.length < min || args.length > max) {
    converter.fail(`Function ${name}() expects ${describeCount(min, max)}, got ${args.length}`);
  }
  args.forEach((arg, index) => {
    const expected = signature.arguments[index] ?? signature.variadic!;
    const actual = typeOf(arg);
    if (actual !== expected) {
      converter.fail(`Function ${name}() expects argument ${index + 1} of type ${expected}, got ${actual}`);
    }
  });
  return { kind: 'call', name, args };
}

/** An aggregation; keywords are case-insensitive (`SUM BY (job) (...)`), as in Prometheus. */
export function aggregate(converter: Converter, node: SyntaxNode): AggregateNode {
  let operator = '';
  let grouping: string[] = [];
  let without = false;
  let args: ExpressionNode[] = [];
  for (const child of converter.children(node)) {
    if (child.name === 'AggregateOp') operator = converter.text(child).toLowerCase();
    else if (child.name === 'AggregateModifier') {
      without = child.firstChild?.name === 'Without';
      const labels = converter.children(child).find((item) => item.name === 'GroupingLabels');
      grouping = labels ? converter.children(labels).map((label) => converter.text(label)) : [];
    } else if (child.name === 'FunctionCallBody') args = converter.arguments(child);
  }
  if (!AGGREGATIONS.has(operator)) converter.unsupported(`aggregation ${operator}`, node);
  const parameterType = SCALAR_PARAMETER.has(operator) ? 'scalar' : operator === 'count_values' ? 'string' : undefined;
  const expected = parameterType ? 2 : 1;
  if (args.length !== expected) {
    converter.fail(`Aggregation ${operator} expects ${expected} argument(s), got ${args.length}`);
  }
  const expression = args[args.length - 1]!;
  const parameter = parameterType ? args[0] : undefined;
  if (typeOf(expression) !== 'vector') {
    converter.fail(`Aggregation ${operator} expects an instant vector, got ${typeOf(expression)}`);
  }
  if (parameter && typeOf(parameter) !== parameterType) {
    converter.fail(`Aggregation ${operator} expects a ${parameterType} parameter, got ${typeOf(parameter)}`);
  }
  return { kind: 'aggregate', operator, parameter, expression, grouping, without };
}
