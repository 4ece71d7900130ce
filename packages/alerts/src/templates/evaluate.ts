import { FUNCTIONS, type ExecutionContext } from './functions.js';
import type { BlockNode, Node, Operand, Pipeline } from './parse.js';
import { goTypeName, isMap, isStruct, isTrue, printValue } from './values.js';

// Executes a parsed template with Go's text/template semantics: variables
// live on a stack popped at the end of each block, `range` re-scopes its body
// on every iteration, and `and`/`or` evaluate their operands lazily.

/** A run-time error, carrying the action it happened in (as Go reports `at <...>`). */
class ExecutionError extends Error {
  readonly located = true;
}

/** True for an error that already names the action it happened in. */
export function isExecutionError(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && (error as { located?: unknown }).located === true;
}

// {{break}} and {{continue}} unwind to the enclosing range as these (preallocated) throws.
class LoopControl extends Error {}
const BREAK = new LoopControl('break');
const CONTINUE = new LoopControl('continue');
const NO_FINAL = Symbol('no final');

interface Variable {
  readonly name: string;
  value: unknown;
}

class Execution {
  output = '';
  private readonly variables: Variable[];

  constructor(
    private readonly context: ExecutionContext,
    variables: readonly Variable[],
  ) {
    this.variables = [...variables];
  }

  walk(nodes: readonly Node[], dot: unknown): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          this.output += node.text;
          break;
        case 'action': {
          const value = this.pipeline(node.pipe, dot);
          if (node.pipe.variables.length === 0) this.output += printValue(value);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.variables.length;
          const value = this.pipeline(node.pipe, dot);
          if (isTrue(value)) this.walk(node.list, node.type === 'with' ? value : dot);
          else if (node.elseList) this.walk(node.elseList, dot);
          this.variables.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot);
          break;
        case 'break':
          throw BREAK;
        case 'continue':
          throw CONTINUE;
      }
    }
  }

  private range(node: BlockNode, dot: unknown): void {
    const mark = this.variables.length;
    const value = this.pipeline({ ...node.pipe, variables: [] }, dot);
    const declared = node.pipe.variables.map((name) => {
      const variable = { name, value };
      this.variables.push(variable);
      return variable;
    });
    let entries: [unknown, unknown][];
    if (Array.isArray(value)) entries = value.map((item, index) => [BigInt(index), item]);
    else if (isMap(value)) entries = value.keys().map((key) => [key, value.get(key)]);
    else if (typeof value === 'bigint')
      entries = Array.from({ length: Math.max(0, Number(value)) }, (_, index) => [BigInt(index), BigInt(index)]);
    else if (value === undefined || value === null) entries = [];
    else throw new ExecutionError(`at <${node.pipe.source}>: range can't iterate over ${printValue(value)}`);
    for (const [key, element] of entries) {
      // One variable gets the element; two get the key (or index) and the element.
      if (declared.length === 1) declared[0]!.value = element;
      if (declared.length === 2) {
        declared[0]!.value = key;
        declared[1]!.value = element;
      }
      const iteration = this.variables.length;
      try {
        this.walk(node.list, element);
      } catch (signal) {
        if (signal === BREAK) break;
        if (signal !== CONTINUE) throw signal;
      } finally {
        this.variables.length = iteration;
      }
    }
    if (entries.length === 0 && node.elseList) this.walk(node.elseList, dot);
    this.variables.length = mark;
  }

  private pipeline(pipe: Pipeline, dot: unknown): unknown {
    let value: unknown = NO_FINAL;
    try {
      for (const command of pipe.commands) value = this.command(command, dot, value);
    } catch (error) {
      if (isExecutionError(error) || error === BREAK || error === CONTINUE) throw error;
      throw new ExecutionError(`at <${pipe.source}>: ${(error as Error).message}`);
    }
    if (pipe.assign) this.lookup(pipe.variables[0]!).value = value;
    else if (pipe.variables.length === 1) this.variables.push({ name: pipe.variables[0]!, value });
    return value;
  }

  private lookup(name: string): Variable {
    for (let index = this.variables.length - 1; index >= 0; index--) {
      if (this.variables[index]!.name === name) return this.variables[index]!;
    }
    throw new Error(`undefined variable: ${name}`);
  }

  private command(operands: readonly Operand[], dot: unknown, final: unknown): unknown {
    const [first, ...rest] = operands;
    if (first!.type === 'function') return this.call(first!.name, rest, dot, final);
    if (rest.length > 0 || final !== NO_FINAL) {
      throw new Error(`can't give argument to non-function ${describe(first!)}`);
    }
    if (first!.type === 'constant' && first!.value === null) throw new Error('nil is not a command');
    return this.operand(first!, dot);
  }

  private call(name: string, operands: readonly Operand[], dot: unknown, final: unknown): unknown {
    const fn = FUNCTIONS.get(name)!;
    const count = operands.length + (final === NO_FINAL ? 0 : 1);
    const { arity } = fn;
    if (typeof arity === 'number' ? count !== arity : count < arity.minimum) {
      const want = typeof arity === 'number' ? `${arity}` : `at least ${arity.minimum}`;
      throw new Error(`wrong number of args for ${name}: want ${want} got ${count}`);
    }
    if (name === 'and' || name === 'or') {
      // Short-circuit: later operands are not evaluated (they may be errors).
      let value: unknown;
      for (const operand of operands) {
        value = this.operand(operand, dot);
        if (isTrue(value) === (name === 'or')) return value;
      }
      return final === NO_FINAL ? value : final;
    }
    const args = operands.map((operand) => this.operand(operand, dot));
    if (final !== NO_FINAL) args.push(final);
    try {
      return fn.call(this.context, args);
    } catch (error) {
      if (isExecutionError(error)) throw error;
      throw new Error(`error calling ${name}: ${(error as Error).message}`);
    }
  }

  private operand(operand: Operand, dot: unknown): unknown {
    switch (operand.type) {
      case 'constant':
        return operand.value;
      case 'dot':
        return dot;
      case 'field':
        return fields(dot, operand.path);
      case 'variable':
        return fields(this.lookup(operand.name).value, operand.path);
      case 'function':
        return this.call(operand.name, [], dot, NO_FINAL);
      case 'pipeline':
        return fields(this.pipeline(operand.pipe, dot), operand.path);
    }
  }
}

function describe(operand: Operand): string {
  if (operand.type === 'variable') return [operand.name, ...operand.path].join('.');
  if (operand.type === 'field') return `.${operand.path.join('.')}`;
  if (operand.type === 'constant') return printValue(operand.value);
  return operand.type === 'dot' ? '.' : '(pipeline)';
}

function fields(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const name of path) {
    if (isMap(current)) current = current.get(name);
    else if (isStruct(current) && current.fields.has(name)) current = current.fields.get(name);
    else if (current === undefined || current === null) throw new Error(`nil pointer evaluating interface {}.${name}`);
    else throw new Error(`can't evaluate field ${name} in type ${goTypeName(current)}`);
  }
  return current;
}

/** Runs `nodes` with `dot` as `.` and the given variables in scope; returns the output. */
export function execute(
  nodes: readonly Node[],
  dot: unknown,
  variables: readonly Variable[],
  context: ExecutionContext,
): string {
  const execution = new Execution(context, variables);
  execution.walk(nodes, dot);
  return execution.output;
}
