import type { ExpressionNode } from './ast.js';

/**
 * How far back (ms) an expression reads from its evaluation time: its
 * longest range or lookback plus offset; a subquery adds its range to what
 * its inner expression reads. An `@` modifier pins a selector to an absolute
 * time, which no bound relative to "now" can cover; it is counted as if it
 * were absent, so retention keeps at least what the expression reads around
 * the evaluation time.
 */
export function longestLookback(node: ExpressionNode, lookbackDelta: number): number {
  switch (node.kind) {
    case 'vectorSelector':
      return lookbackDelta + Math.max(0, node.offset);
    case 'matrixSelector':
      return node.range + Math.max(0, node.selector.offset);
    case 'subquery':
      return node.range + Math.max(0, node.offset) + longestLookback(node.expression, lookbackDelta);
    case 'call':
      return Math.max(0, ...node.args.map((arg) => longestLookback(arg, lookbackDelta)));
    case 'aggregate':
      return Math.max(
        longestLookback(node.expression, lookbackDelta),
        node.parameter ? longestLookback(node.parameter, lookbackDelta) : 0,
      );
    case 'binary':
      return Math.max(longestLookback(node.left, lookbackDelta), longestLookback(node.right, lookbackDelta));
    case 'unary':
      return longestLookback(node.expression, lookbackDelta);
    default:
      return 0;
  }
}
