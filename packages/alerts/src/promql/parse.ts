import { parser } from '@prometheus-io/lezer-promql';
import type {
  ExpressionNode,
  LabelMatcher,
  MatchOperator,
  MatrixSelectorNode,
  ValueType,
  VectorSelectorNode,
} from './ast.js';
import { matches } from './match.js';
import { aggregate, call } from './parse-calls.js';
import { binary, unary } from './parse-binary.js';
import { ParseContext, promqlError, type SyntaxNode } from './parse-context.js';
import { normalizeTrailingDots, parseDurationLiteral, parseNumberOrDuration, unquoteString } from './parse-literals.js';
import { atModifier, offsetModifier, subquery } from './parse-modifiers.js';
import { compileLabelRegex, regexErrorMessage, type LabelRegex } from './regex.js';
import { typeOf } from './type-of.js';

const MATCH_OPERATORS: Readonly<Record<string, MatchOperator>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

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
  const normalized = normalizeTrailingDots(source);
  const tree = parser.parse(normalized);
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
      `Syntax error at character ${at + 1} (near ${JSON.stringify(normalized.slice(at, at + 12))})`,
    );
  }
  const top = tree.topNode.firstChild;
  if (!top) throw promqlError(source, 'Empty expression');
  const root = new Converter(normalized).expression(top);
  return { source, root, type: typeOf(root) };
}

export { typeOf } from './type-of.js';

/** Converts lezer syntax nodes into the evaluator's AST. */
export class Converter extends ParseContext {
  expression(node: SyntaxNode): ExpressionNode {
    switch (node.name) {
      case 'ParenExpr':
        return this.expression(this.children(node)[0]!);
      case 'NumberDurationLiteral': {
        const value = parseNumberOrDuration(this.text(node));
        if (value === undefined) this.fail(`Invalid number ${JSON.stringify(this.text(node))}`);
        return { kind: 'number', value };
      }
      case 'StringLiteral':
        return { kind: 'string', value: unquoteString(this.text(node)) };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'OffsetExpr':
        return offsetModifier(this, node);
      case 'StepInvariantExpr':
        return atModifier(this, node);
      case 'SubqueryExpr':
        return subquery(this, node);
      case 'FunctionCall':
        return call(this, node);
      case 'AggregateExpr':
        return aggregate(this, node);
      case 'BinaryExpr':
        return binary(this, node);
      case 'UnaryExpr':
        return unary(this, node);
      default:
        return this.unsupported(node.name, node);
    }
  }

  /** A duration (`5m`, or seconds as a number) in milliseconds. */
  duration(node: SyntaxNode): number {
    const children = this.children(node);
    if (children.length !== 1 || !children[0]!.name.startsWith('NumberDurationLiteral')) {
      this.unsupported('duration expression', node);
    }
    const text = this.text(children[0]!);
    const value = parseDurationLiteral(text);
    if (value === undefined) this.fail(`Invalid duration ${JSON.stringify(text)}`);
    return value;
  }

  vectorSelector(node: SyntaxNode): VectorSelectorNode {
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
    return { kind: 'vectorSelector', name, matchers, offset: 0 };
  }

  private matcher(node: SyntaxNode): LabelMatcher {
    if (node.name !== 'UnquotedLabelMatcher') this.unsupported('quoted (UTF-8) label name', node);
    const [nameNode, operatorNode, valueNode] = this.children(node);
    const operator = MATCH_OPERATORS[operatorNode?.firstChild?.name ?? ''];
    if (!nameNode || !operator || !valueNode) this.fail(`Invalid label matcher ${JSON.stringify(this.text(node))}`);
    const name = this.text(nameNode);
    const value = unquoteString(this.text(valueNode));
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

  private matrixSelector(node: SyntaxNode): MatrixSelectorNode {
    const [selectorNode, durationNode] = this.children(node);
    if (!selectorNode || !durationNode) this.fail('Invalid range selector');
    if (selectorNode.name !== 'VectorSelector') {
      this.fail(`Ranges only allowed for vector selectors (${JSON.stringify(this.text(node))})`);
    }
    const range = this.duration(durationNode);
    if (range <= 0) this.fail('Range must be positive');
    return { kind: 'matrixSelector', selector: this.vectorSelector(selectorNode), range };
  }

  /** Converted arguments of a call or aggregation body. */
  arguments(body: SyntaxNode | undefined): ExpressionNode[] {
    if (!body) return [];
    return this.children(body).map((child) => this.expression(child));
  }
}
