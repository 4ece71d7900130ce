import type { AtModifier, ExpressionNode, SubqueryNode } from './ast.js';
import { binary, unary } from './parse-binary.js';
import type { SyntaxNode } from './parse-context.js';
import { parseNumberOrDuration } from './parse-literals.js';
import type { Converter } from './parse.js';
import { typeOf } from './type-of.js';

interface Modifier {
  readonly offset?: number;
  readonly at?: AtModifier;
}

/** `expression offset 5m` (a negative offset looks ahead). */
export function offsetModifier(converter: Converter, node: SyntaxNode): ExpressionNode {
  const children = converter.children(node);
  const durationNode = children.find((child) => child.name === 'OffsetDurationExpr')!;
  let sign = 1;
  let target = durationNode;
  if (durationNode.firstChild?.name === 'UnaryOp') {
    sign = converter.text(durationNode.firstChild) === '-' ? -1 : 1;
    target = durationNode.lastChild!;
  }
  return modify(converter, children[0]!, { offset: sign * converter.duration(target) });
}

/** `expression @ 1700000000`, `@ start()`, `@ end()`. */
export function atModifier(converter: Converter, node: SyntaxNode): ExpressionNode {
  const children = converter.children(node);
  const value = children[children.length - 1]!;
  let at: AtModifier;
  if (value.name === 'AtModifierPreprocessors') {
    at = value.firstChild?.name === 'AtStart' ? 'start' : 'end';
  } else {
    const seconds = parseNumberOrDuration(converter.text(value));
    if (seconds === undefined || !Number.isFinite(seconds)) {
      converter.fail(`Invalid @ modifier timestamp ${JSON.stringify(converter.text(value))}`);
    }
    at = Math.round(seconds * 1000);
  }
  return modify(converter, children[0]!, { at });
}

/**
 * Applies a modifier to the selector or subquery it follows. The lezer
 * grammar attaches a trailing modifier to a whole binary or unary expression
 * (`a or b offset 1m`); Prometheus' own parser binds it to the last operand,
 * so it is pushed down here.
 */
function modify(converter: Converter, syntax: SyntaxNode, modifier: Modifier): ExpressionNode {
  if (syntax.name === 'BinaryExpr') return binary(converter, syntax, (right) => modify(converter, right, modifier));
  if (syntax.name === 'UnaryExpr') return unary(converter, syntax, (operand) => modify(converter, operand, modifier));
  const what = modifier.at === undefined ? 'offset' : '@';
  const target = syntax.name === 'ParenExpr' ? undefined : converter.expression(syntax);
  switch (target?.kind) {
    case 'vectorSelector':
    case 'subquery':
      return merge(converter, target, modifier);
    case 'matrixSelector':
      return { ...target, selector: merge(converter, target.selector, modifier) };
    default:
      return converter.fail(
        `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
      );
  }
}

function merge<T extends { readonly offset: number; readonly at?: AtModifier }>(
  converter: Converter,
  target: T,
  modifier: Modifier,
): T {
  if (modifier.offset !== undefined) {
    if (target.offset !== 0) converter.fail('offset may not be set multiple times');
    return { ...target, offset: modifier.offset };
  }
  if (target.at !== undefined) converter.fail('@ <timestamp> may not be set multiple times');
  return { ...target, at: modifier.at };
}

/** `expression[range:step]` (the step may be left out). */
export function subquery(converter: Converter, node: SyntaxNode): SubqueryNode {
  const children = converter.children(node);
  const expression = converter.expression(children[0]!);
  if (typeOf(expression) !== 'vector') {
    converter.fail(`subquery is only allowed on instant vector, got ${typeOf(expression)}`);
  }
  const durations = children.filter((child) => child.name === 'DurationExpr');
  const range = converter.duration(durations[0]!);
  const step = durations[1] ? converter.duration(durations[1]) : 0;
  if (range <= 0) converter.fail('Subquery range must be positive');
  if (durations[1] && step <= 0) converter.fail('Subquery step must be positive');
  return { kind: 'subquery', expression, range, step, offset: 0 };
}
