import { parser } from '@prometheus-io/lezer-promql';
import { TelltaleError } from '@telltale/core';
import type {
  AggregateNode,
  ExpressionNode,
  LabelMatcher,
  MatchOperator,
  MatrixSelectorNode,
  ValueType,
  VectorMatching,
  VectorSelectorNode,
} from './ast.js';
import { COMPARISON_OPERATORS, SET_OPERATORS } from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import { matches } from './match.js';
import { compileLabelRegex, regexErrorMessage, type LabelRegex } from './regex.js';

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
]);
const PARAMETER_AGGREGATIONS = new Set(['topk', 'bottomk', 'quantile']);

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

const MATCH_OPERATORS: Readonly<Record<string, MatchOperator>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Thrown for PromQL the evaluator cannot run: syntax errors and unsupported constructs. */
function promqlError(expression: string, message: string, construct?: string): TelltaleError {
  return new TelltaleError(
    construct ? 'TELLTALE_PROMQL_UNSUPPORTED' : 'TELLTALE_PROMQL_SYNTAX',
    `${message} in PromQL expression ${JSON.stringify(expression)}`,
    { details: construct ? { expression, construct } : { expression } },
  );
}

/** A parsed expression together with the type it evaluates to. */
export interface ParsedExpression {
  readonly source: string;
  readonly root: ExpressionNode;
  readonly type: ValueType;
}

/**
 * Parses PromQL with the official lezer grammar and converts the tree into
 * the evaluator's AST, type-checking as it goes. Anything the evaluator does
 * not support is rejected here, naming the construct, so a rule never gives a
 * silently wrong answer at run time.
 */
export function parsePromql(source: string): ParsedExpression {
  if (typeof source !== 'string' || source.trim() === '') throw promqlError(String(source), 'Empty expression');
  const tree = parser.parse(source);
  let syntaxError: SyntaxNode | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && !syntaxError) syntaxError = node.node;
    },
  });
  if (syntaxError) {
    const at = syntaxError.from;
    throw promqlError(
      source,
      `Syntax error at character ${at + 1} (near ${JSON.stringify(source.slice(at, at + 12))})`,
    );
  }
  const top = tree.topNode.firstChild;
  if (!top) throw promqlError(source, 'Empty expression');
  const converter = new Converter(source);
  const root = converter.expression(top);
  return { source, root, type: typeOf(root) };
}

/** The value type an AST node evaluates to. */
export function typeOf(node: ExpressionNode): ValueType {
  switch (node.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
      return 'matrix';
    case 'call':
      return FUNCTIONS[node.name]!.returns;
    case 'unary':
      return typeOf(node.expression);
    case 'binary':
      return typeOf(node.left) === 'scalar' && typeOf(node.right) === 'scalar' ? 'scalar' : 'vector';
  }
}

class Converter {
  constructor(private readonly source: string) {}

  private text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }

  private unsupported(construct: string, node: SyntaxNode): never {
    throw promqlError(
      this.source,
      `Unsupported PromQL construct: ${construct} (${JSON.stringify(this.text(node))})`,
      construct,
    );
  }

  private fail(message: string): never {
    throw promqlError(this.source, message);
  }

  private children(node: SyntaxNode): SyntaxNode[] {
    const result: SyntaxNode[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) result.push(child);
    return result;
  }

  expression(node: SyntaxNode): ExpressionNode {
    switch (node.name) {
      case 'ParenExpr':
        return this.expression(this.children(node)[0]!);
      case 'NumberDurationLiteral':
        return { kind: 'number', value: this.number(node) };
      case 'StringLiteral':
        return { kind: 'string', value: this.string(node) };
      case 'VectorSelector':
        return this.vectorSelector(node, 0);
      case 'MatrixSelector':
        return this.matrixSelector(node, 0);
      case 'OffsetExpr':
        return this.offset(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'UnaryExpr':
        return this.unary(node);
      case 'SubqueryExpr':
        return this.unsupported('subquery', node);
      case 'StepInvariantExpr':
        return this.unsupported('@ modifier', node);
      default:
        return this.unsupported(node.name, node);
    }
  }

  private number(node: SyntaxNode): number {
    const text = this.text(node).trim();
    const lower = text.toLowerCase();
    if (lower === 'inf' || lower === '+inf') return Infinity;
    if (lower === '-inf') return -Infinity;
    if (lower === 'nan') return NaN;
    if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
    const value = Number(text);
    if (Number.isNaN(value)) this.unsupported('duration literal as a number', node);
    return value;
  }

  private string(node: SyntaxNode): string {
    const raw = this.text(node);
    const quote = raw[0];
    const body = raw.slice(1, -1);
    if (quote === '`') return body;
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, escape: string) => {
      switch (escape[0]) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case 'a':
          return '\x07';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        case 'v':
          return '\v';
        case 'x':
        case 'u':
        case 'U':
          return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
        default:
          return /^[0-7]{3}$/.test(escape) ? String.fromCharCode(Number.parseInt(escape, 8)) : escape;
      }
    });
  }

  duration(node: SyntaxNode): number {
    const children = this.children(node);
    if (children.length !== 1 || !children[0]!.name.startsWith('NumberDurationLiteral')) {
      this.unsupported('duration expression', node);
    }
    const text = this.text(children[0]!);
    let total = 0;
    let matched = '';
    for (const part of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
      total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
      matched += part[0];
    }
    if (matched !== text) {
      if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
      this.fail(`Invalid duration ${JSON.stringify(text)}`);
    }
    return total;
  }

  private vectorSelector(node: SyntaxNode, offset: number): VectorSelectorNode {
    let name: string | undefined;
    const matchers: LabelMatcher[] = [];
    for (const child of this.children(node)) {
      if (child.name === 'Identifier') name = this.text(child);
      else if (child.name === 'LabelMatchers') {
        for (const matcherNode of this.children(child)) matchers.push(this.matcher(matcherNode));
      } else this.unsupported(child.name, child);
    }
    if (name === undefined && !matchers.some((matcher) => !matches(matcher, ''))) {
      this.fail('Vector selector must contain at least one non-empty matcher');
    }
    return { kind: 'vectorSelector', name, matchers, offset };
  }

  private matcher(node: SyntaxNode): LabelMatcher {
    if (node.name !== 'UnquotedLabelMatcher') this.unsupported('quoted (UTF-8) label name', node);
    const [nameNode, operatorNode, valueNode] = this.children(node);
    const operator = MATCH_OPERATORS[operatorNode?.firstChild?.name ?? ''];
    if (!nameNode || !operator || !valueNode) this.fail(`Invalid label matcher ${JSON.stringify(this.text(node))}`);
    const name = this.text(nameNode);
    const value = this.string(valueNode);
    if (operator === '=~' || operator === '!~') {
      let regex: LabelRegex;
      try {
        regex = compileLabelRegex(value);
      } catch (error) {
        throw promqlError(
          this.source,
          `Invalid regular expression ${JSON.stringify(value)}: ${regexErrorMessage(error)}`,
        );
      }
      return { name, operator, value, regex };
    }
    return { name, operator, value };
  }

  private matrixSelector(node: SyntaxNode, offset: number): MatrixSelectorNode {
    const [selectorNode, durationNode] = this.children(node);
    if (!selectorNode || !durationNode) this.fail('Invalid range selector');
    if (selectorNode.name !== 'VectorSelector') {
      this.fail(`Ranges only allowed for vector selectors (${JSON.stringify(this.text(node))})`);
    }
    const range = this.duration(durationNode);
    if (range <= 0) this.fail('Range must be positive');
    return { kind: 'matrixSelector', selector: this.vectorSelector(selectorNode, offset), range };
  }

  private offset(node: SyntaxNode): ExpressionNode {
    const children = this.children(node);
    const inner = children[0]!;
    const durationNode = children.find((child) => child.name === 'OffsetDurationExpr')!;
    let sign = 1;
    let durationTarget = durationNode;
    if (durationNode.firstChild?.name === 'UnaryOp') {
      sign = this.text(durationNode.firstChild) === '-' ? -1 : 1;
      durationTarget = durationNode.lastChild!;
    }
    const offset = sign * this.duration(durationTarget);
    if (inner.name === 'VectorSelector') return this.vectorSelector(inner, offset);
    if (inner.name === 'MatrixSelector') return this.matrixSelector(inner, offset);
    return this.fail(`Offset modifier must be preceded by a selector (${JSON.stringify(this.text(node))})`);
  }

  private arguments(body: SyntaxNode | undefined): ExpressionNode[] {
    if (!body) return [];
    return this.children(body).map((child) => this.expression(child));
  }

  private call(node: SyntaxNode): ExpressionNode {
    const [identifier, body] = this.children(node);
    const name = this.text(identifier!);
    const signature = FUNCTIONS[name];
    if (!signature) return this.unsupported(`function ${name}()`, node);
    const args = this.arguments(body);
    const min = signature.arguments.length - (signature.optional ?? 0);
    if (args.length < min || args.length > signature.arguments.length) {
      this.fail(`Function ${name}() expects ${describeCount(min, signature.arguments.length)}, got ${args.length}`);
    }
    args.forEach((arg, index) => {
      const expected = signature.arguments[index]!;
      const actual = typeOf(arg);
      if (actual !== expected) {
        this.fail(`Function ${name}() expects argument ${index + 1} of type ${expected}, got ${actual}`);
      }
    });
    return { kind: 'call', name, args };
  }

  private aggregate(node: SyntaxNode): AggregateNode {
    let operator = '';
    let grouping: string[] = [];
    let without = false;
    let args: ExpressionNode[] = [];
    for (const child of this.children(node)) {
      if (child.name === 'AggregateOp') operator = this.text(child);
      else if (child.name === 'AggregateModifier') {
        without = child.firstChild?.name === 'Without';
        const labels = this.children(child).find((item) => item.name === 'GroupingLabels');
        grouping = labels ? this.children(labels).map((label) => this.text(label)) : [];
      } else if (child.name === 'FunctionCallBody') args = this.arguments(child);
    }
    if (!AGGREGATIONS.has(operator)) this.unsupported(`aggregation ${operator}`, node);
    const expectsParameter = PARAMETER_AGGREGATIONS.has(operator);
    if (args.length !== (expectsParameter ? 2 : 1)) {
      this.fail(`Aggregation ${operator} expects ${expectsParameter ? 2 : 1} argument(s), got ${args.length}`);
    }
    const expression = args[args.length - 1]!;
    const parameter = expectsParameter ? args[0] : undefined;
    if (typeOf(expression) !== 'vector')
      this.fail(`Aggregation ${operator} expects an instant vector, got ${typeOf(expression)}`);
    if (parameter && typeOf(parameter) !== 'scalar') this.fail(`Aggregation ${operator} expects a scalar parameter`);
    return { kind: 'aggregate', operator, parameter, expression, grouping, without };
  }

  private binary(node: SyntaxNode): ExpressionNode {
    const children = this.children(node);
    const left = this.expression(children[0]!);
    const right = this.expression(children[children.length - 1]!);
    const operatorNode = children[1]!;
    const operator = OPERATORS[operatorNode.name];
    if (!operator) return this.unsupported(`operator ${this.text(operatorNode)}`, operatorNode);
    let returnBool = false;
    let matching: VectorMatching | undefined;
    for (const child of children.slice(2, -1)) {
      if (child.name === 'BoolModifier') returnBool = true;
      else if (child.name === 'MatchingModifierClause') matching = this.matching(child, operator);
    }
    const leftType = typeOf(left);
    const rightType = typeOf(right);
    for (const type of [leftType, rightType]) {
      if (type !== 'scalar' && type !== 'vector') {
        this.fail(`Binary operator ${operator} expects scalars or instant vectors, got ${type}`);
      }
    }
    const isComparison = COMPARISON_OPERATORS.has(operator);
    if (returnBool && !isComparison) this.fail('bool modifier can only be used on comparison operators');
    if (isComparison && leftType === 'scalar' && rightType === 'scalar' && !returnBool) {
      this.fail('Comparisons between scalars must use the bool modifier');
    }
    if (SET_OPERATORS.has(operator)) {
      if (leftType === 'scalar' || rightType === 'scalar') {
        this.fail(`Set operator ${operator} not allowed in binary scalar expression`);
      }
      if (matching && matching.cardinality !== 'one-to-one') this.fail(`No grouping allowed for ${operator} operation`);
      matching = {
        cardinality: 'many-to-many',
        on: matching?.on ?? false,
        labels: matching?.labels ?? [],
        include: [],
      };
    } else if (matching && (leftType === 'scalar' || rightType === 'scalar')) {
      this.fail('Vector matching only allowed between instant vectors');
    }
    if (!matching && leftType === 'vector' && rightType === 'vector') {
      matching = { cardinality: 'one-to-one', on: false, labels: [], include: [] };
    }
    return { kind: 'binary', operator, left, right, returnBool, matching };
  }

  private matching(node: SyntaxNode, operator: string): VectorMatching {
    let on = false;
    let labels: string[] = [];
    let include: string[] = [];
    let cardinality: VectorMatching['cardinality'] = 'one-to-one';
    let seenGroup = false;
    for (const child of this.children(node)) {
      if (child.name === 'On') on = true;
      else if (child.name === 'Ignoring') on = false;
      else if (child.name === 'GroupLeft' || child.name === 'GroupRight') {
        cardinality = child.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        seenGroup = true;
      } else if (child.name === 'GroupingLabels') {
        const names = this.children(child).map((label) => this.text(label));
        if (seenGroup) include = names;
        else labels = names;
      }
    }
    if (seenGroup && SET_OPERATORS.has(operator)) this.fail(`No grouping allowed for ${operator} operation`);
    const overlap = include.find((name) => labels.includes(name));
    if (on && overlap) this.fail(`Label ${JSON.stringify(overlap)} must not occur in ON and GROUP clause at once`);
    return { cardinality, on, labels, include };
  }

  private unary(node: SyntaxNode): ExpressionNode {
    const [operatorNode, operand] = this.children(node);
    const expression = this.expression(operand!);
    const type = typeOf(expression);
    if (type !== 'scalar' && type !== 'vector')
      this.fail(`Unary expression only allowed on scalars or instant vectors`);
    const operator = this.text(operatorNode!) === '-' ? '-' : '+';
    if (operator === '+') return expression;
    if (expression.kind === 'number') return { kind: 'number', value: -expression.value };
    return { kind: 'unary', operator, expression };
  }
}

function describeCount(min: number, max: number): string {
  return min === max ? `${min} argument(s)` : `${min} to ${max} arguments`;
}
