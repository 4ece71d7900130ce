import type { ExpressionNode, ValueType } from './ast.js';
import { FUNCTIONS } from './function-signatures.js';

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
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTIONS[node.name]!.returns;
    case 'unary':
      return typeOf(node.expression);
    case 'binary':
      return typeOf(node.left) === 'scalar' && typeOf(node.right) === 'scalar' ? 'scalar' : 'vector';
  }
}
