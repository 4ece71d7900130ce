import type { LabelRegex } from './regex.js';

/** Label matcher operators, as in PromQL. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One label matcher of a selector, with the regex compiled once at load time. */
export interface LabelMatcher {
  readonly name: string;
  readonly operator: MatchOperator;
  readonly value: string;
  /** Fully anchored RE2 regex for `=~` / `!~` (PromQL regexes always match the whole value). */
  readonly regex?: LabelRegex;
}

/** The value types PromQL expressions produce. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface NumberNode {
  readonly kind: 'number';
  readonly value: number;
}
export interface StringNode {
  readonly kind: 'string';
  readonly value: string;
}
/**
 * The `@` modifier: a Unix time in milliseconds, or the query's `start()` /
 * `end()` (both the evaluation time for an instant query or a rule).
 */
export type AtModifier = number | 'start' | 'end';

export interface VectorSelectorNode {
  readonly kind: 'vectorSelector';
  readonly name: string | undefined;
  readonly matchers: readonly LabelMatcher[];
  /** Offset in milliseconds (positive looks back). */
  readonly offset: number;
  /** `@` modifier, when given. */
  readonly at?: AtModifier;
}
export interface MatrixSelectorNode {
  readonly kind: 'matrixSelector';
  readonly selector: VectorSelectorNode;
  /** Range in milliseconds. */
  readonly range: number;
}
/** `expression[range:step]`: the expression evaluated at each step of the range. */
export interface SubqueryNode {
  readonly kind: 'subquery';
  readonly expression: ExpressionNode;
  /** Range in milliseconds. */
  readonly range: number;
  /** Resolution in milliseconds; 0 means the default (one minute, Prometheus' default evaluation interval). */
  readonly step: number;
  readonly offset: number;
  readonly at?: AtModifier;
}
export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly ExpressionNode[];
}
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly operator: string;
  readonly parameter: ExpressionNode | undefined;
  readonly expression: ExpressionNode;
  readonly grouping: readonly string[];
  readonly without: boolean;
}
/** Vector matching of a binary operation (`on`/`ignoring`, `group_left`/`group_right`). */
export interface VectorMatching {
  readonly cardinality: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  readonly on: boolean;
  readonly labels: readonly string[];
  readonly include: readonly string[];
}
export interface BinaryNode {
  readonly kind: 'binary';
  readonly operator: string;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
  readonly returnBool: boolean;
  readonly matching: VectorMatching | undefined;
}
export interface UnaryNode {
  readonly kind: 'unary';
  readonly operator: '-' | '+';
  readonly expression: ExpressionNode;
}

/** A parsed, type-checked PromQL expression. */
export type ExpressionNode =
  | NumberNode
  | StringNode
  | VectorSelectorNode
  | MatrixSelectorNode
  | SubqueryNode
  | CallNode
  | AggregateNode
  | BinaryNode
  | UnaryNode;

export const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPERATORS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);
