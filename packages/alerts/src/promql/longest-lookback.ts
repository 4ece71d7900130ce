import type { ExpressionNode } from './ast.js';

/** How far back (ms) an expression reads: its longest range or lookback plus offset. */
export function longestLookback(node: ExpressionNode, lookbackDelta: number): number {
  switch (node.kind) {
    case 'vectorSelector':
      return lookbackDelta + Math.max(0, node.offset);
    case 'matrixSelector':
      return node.range + Math.max(0, node.selector.offset);
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
