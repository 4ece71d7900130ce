import type { ExpressionNode, VectorMatching } from './ast.js';
import { COMPARISON_OPERATORS, SET_OPERATORS } from './ast.js';
import type { SyntaxNode } from './parse-context.js';
import type { Converter } from './parse.js';
import { typeOf } from './type-of.js';

const OPERATORS: Readonly<Record<string, string>> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Lte: '<=',
  Lss: '<',
  Gte: '>=',
  Gtr: '>',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
  Atan2: 'atan2',
};

/** Converts an operand; a modifier pushed down from an enclosing `offset`/`@` may wrap the right one. */
type Operand = (node: SyntaxNode) => ExpressionNode;

/** A binary operation, type-checked as Prometheus' parser does. */
export function binary(converter: Converter, node: SyntaxNode, convertRight?: Operand): ExpressionNode {
  const children = converter.children(node);
  const left = converter.expression(children[0]!);
  const rightNode = children[children.length - 1]!;
  const right = convertRight ? convertRight(rightNode) : converter.expression(rightNode);
  const operatorNode = children[1]!;
  const operator = OPERATORS[operatorNode.name];
  if (!operator) return converter.unsupported(`operator ${converter.text(operatorNode)}`, operatorNode);
  let returnBool = false;
  let matching: VectorMatching | undefined;
  for (const child of children.slice(2, -1)) {
    if (child.name === 'BoolModifier') returnBool = true;
    else if (child.name === 'MatchingModifierClause') matching = vectorMatching(converter, child, operator);
  }
  const leftType = typeOf(left);
  const rightType = typeOf(right);
  for (const type of [leftType, rightType]) {
    if (type !== 'scalar' && type !== 'vector') {
      converter.fail(`Binary operator ${operator} expects scalars or instant vectors, got ${type}`);
    }
  }
  const isComparison = COMPARISON_OPERATORS.has(operator);
  if (returnBool && !isComparison) converter.fail('bool modifier can only be used on comparison operators');
  if (isComparison && leftType === 'scalar' && rightType === 'scalar' && !returnBool) {
    converter.fail('Comparisons between scalars must use the bool modifier');
  }
  if (SET_OPERATORS.has(operator)) {
    if (leftType === 'scalar' || rightType === 'scalar') {
      converter.fail(`Set operator ${operator} not allowed in binary scalar expression`);
    }
    if (matching && matching.cardinality !== 'one-to-one') {
      converter.fail(`No grouping allowed for ${operator} operation`);
    }
    matching = {
      cardinality: 'many-to-many',
      on: matching?.on ?? false,
      labels: matching?.labels ?? [],
      include: [],
    };
  } else if (matching && (leftType === 'scalar' || rightType === 'scalar')) {
    converter.fail('Vector matching only allowed between instant vectors');
  }
  if (!matching && leftType === 'vector' && rightType === 'vector') {
    matching = { cardinality: 'one-to-one', on: false, labels: [], include: [] };
  }
  return { kind: 'binary', operator, left, right, returnBool, matching };
}

function vectorMatching(converter: Converter, node: SyntaxNode, operator: string): VectorMatching {
  let on = false;
  let labels: string[] = [];
  let include: string[] = [];
  let cardinality: VectorMatching['cardinality'] = 'one-to-one';
  let seenGroup = false;
  for (const child of converter.children(node)) {
    if (child.name === 'On') on = true;
    else if (child.name === 'Ignoring') on = false;
    else if (child.name === 'GroupLeft' || child.name === 'GroupRight') {
      cardinality = child.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
      seenGroup = true;
    } else if (child.name === 'GroupingLabels') {
      const names = converter.children(child).map((label) => converter.text(label));
      if (seenGroup) include = names;
      else labels = names;
    }
  }
  if (seenGroup && SET_OPERATORS.has(operator)) converter.fail(`No grouping allowed for ${operator} operation`);
  const overlap = include.find((name) => labels.includes(name));
  if (on && overlap) {
    converter.fail(`Label ${JSON.stringify(overlap)} must not occur in ON and GROUP clause at once`);
  }
  return { cardinality, on, labels, include };
}

/** Unary minus or plus; `-` over a literal folds into the number. */
export function unary(converter: Converter, node: SyntaxNode, convertOperand?: Operand): ExpressionNode {
  const [operatorNode, operand] = converter.children(node);
  const expression = convertOperand ? convertOperand(operand!) : converter.expression(operand!);
  const type = typeOf(expression);
  if (type !== 'scalar' && type !== 'vector') {
    converter.fail(`Unary expression only allowed on scalars or instant vectors`);
  }
  const operator = converter.text(operatorNode!) === '-' ? '-' : '+';
  if (operator === '+') return expression;
  if (expression.kind === 'number') return { kind: 'number', value: -expression.value };
  return { kind: 'unary', operator, expression };
}
