import { lexTemplate, templateError, type Token } from './lexer.js';

/** A parsed template, as Go's `text/template/parse` tree (the subset alert templates use). */
export type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipeline }
  | BlockNode
  | { readonly type: 'break' | 'continue' };

/** `{{if}}`, `{{with}}` or `{{range}}` with its body and `{{else}}` branch. */
export interface BlockNode {
  readonly type: 'if' | 'with' | 'range';
  readonly pipe: Pipeline;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}

export interface Pipeline {
  readonly source: string;
  /** Variables declared (`:=`) or assigned (`=`). */
  readonly variables: readonly string[];
  readonly assign: boolean;
  readonly commands: readonly (readonly Operand[])[];
}

export type Operand =
  | { readonly type: 'constant'; readonly value: string | number | bigint | boolean | null }
  | { readonly type: 'dot' }
  | { readonly type: 'field'; readonly path: readonly string[] }
  | { readonly type: 'variable'; readonly name: string; readonly path: readonly string[] }
  | { readonly type: 'function'; readonly name: string }
  | { readonly type: 'pipeline'; readonly pipe: Pipeline; readonly path: readonly string[] };

/** Names the parser accepts as functions. */
export interface FunctionNames {
  has(name: string): boolean;
}

/** Constructs of Go templates that alert templates cannot use in-process. */
const UNSUPPORTED = new Set(['define', 'template', 'block']);
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', ...UNSUPPORTED]);

/** The variables Prometheus defines before every alert template. */
export const PREDEFINED_VARIABLES = ['$', '$labels', '$externalLabels', '$externalURL', '$value'] as const;

function parseNumber(text: string): number | bigint {
  const clean = text.replaceAll('_', '');
  const negative = clean.startsWith('-');
  const unsigned = clean.replace(/^[+-]/, '');
  if (/^0[xXbBoO]/.test(unsigned) || /^\d+$/.test(unsigned)) {
    const prefixed = /^0\d/.test(unsigned) ? `0o${unsigned.slice(1)}` : unsigned;
    const value = BigInt(prefixed);
    return negative ? -value : value;
  }
  return Number(clean);
}

class Parser {
  private readonly variables: string[] = [...PREDEFINED_VARIABLES];
  private rangeDepth = 0;
  private index = 0;
  private readonly segments;

  constructor(
    private readonly source: string,
    private readonly functions: FunctionNames,
  ) {
    this.segments = lexTemplate(source);
  }

  fail(message: string): Error {
    return templateError(this.source, message);
  }

  parse(): Node[] {
    const { nodes, stop } = this.list();
    if (stop) throw this.fail(`unexpected {{${stop.keyword}}}`);
    return nodes;
  }

  /** Nodes up to an `{{else}}` or `{{end}}` (returned as `stop`), or the end of the template. */
  private list(): { nodes: Node[]; stop?: { keyword: 'else' | 'end'; rest: readonly Token[]; source: string } } {
    const nodes: Node[] = [];
    while (this.index < this.segments.length) {
      const segment = this.segments[this.index++]!;
      if (segment.type === 'text') {
        nodes.push({ type: 'text', text: segment.text });
        continue;
      }
      const [first, ...rest] = segment.tokens;
      const keyword = first?.type === 'identifier' && KEYWORDS.has(first.name) ? first.name : undefined;
      if (keyword === 'else' || keyword === 'end') return { nodes, stop: { keyword, rest, source: segment.source } };
      if (keyword && UNSUPPORTED.has(keyword)) {
        throw this.fail(`unsupported template construct "${keyword}" (only inline templates are supported)`);
      }
      if (keyword === 'if' || keyword === 'with' || keyword === 'range')
        nodes.push(this.control(keyword, rest, segment.source.replace(/^\w+\s*/, '')));
      else if (keyword === 'break' || keyword === 'continue') {
        if (this.rangeDepth === 0) throw this.fail(`{{${keyword}}} outside {{range}}`);
        if (rest.length > 0) throw this.fail(`unexpected ${describe(rest[0]!)} in {{${keyword}}}`);
        nodes.push({ type: keyword });
      } else nodes.push({ type: 'action', pipe: this.pipeline(segment.tokens, 'command', segment.source) });
    }
    return { nodes };
  }

  private control(kind: 'if' | 'with' | 'range', tokens: readonly Token[], source: string): Node {
    const mark = this.variables.length;
    const pipe = this.pipeline(tokens, kind, source);
    if (kind === 'range') this.rangeDepth++;
    const body = this.list();
    if (kind === 'range') this.rangeDepth--;
    if (!body.stop) throw this.fail(`unexpected EOF: {{${kind}}} without {{end}}`);
    let elseList: Node[] | undefined;
    if (body.stop.keyword === 'else') {
      const [next, ...rest] = body.stop.rest;
      if (next?.type === 'identifier' && (next.name === 'if' || next.name === 'with') && kind !== 'range') {
        // `{{else if}}` / `{{else with}}`: a nested block that shares this block's {{end}}.
        if (next.name !== kind) throw this.fail(`{{else ${next.name}}} inside {{${kind}}}`);
        elseList = [this.control(next.name, rest, body.stop.source.replace(/^else\s+\w+\s*/, ''))];
      } else {
        if (next) throw this.fail(`unexpected ${describe(next)} in {{else}}`);
        const tail = this.list();
        if (tail.stop?.keyword !== 'end') throw this.fail(`expected {{end}} after {{else}} in {{${kind}}}`);
        if (tail.stop.rest.length > 0) throw this.fail(`unexpected ${describe(tail.stop.rest[0]!)} in {{end}}`);
        elseList = tail.nodes;
      }
    } else if (body.stop.rest.length > 0) throw this.fail(`unexpected ${describe(body.stop.rest[0]!)} in {{end}}`);
    this.variables.length = mark;
    return { type: kind, pipe, list: body.nodes, elseList };
  }

  private pipeline(tokens: readonly Token[], context: string, source: string): Pipeline {
    let rest = tokens;
    let variables: string[] = [];
    let assign = false;
    const [a, b, c, d] = rest;
    if (a?.type === 'variable' && (b?.type === 'declare' || b?.type === 'assign')) {
      variables = [a.name];
      assign = b.type === 'assign';
      rest = rest.slice(2);
    } else if (a?.type === 'variable' && b?.type === 'comma' && c?.type === 'variable' && d?.type === 'declare') {
      if (context !== 'range') throw this.fail(`too many declarations in ${context}`);
      variables = [a.name, c.name];
      rest = rest.slice(4);
    }
    if (assign && !this.variables.includes(variables[0]!)) throw this.fail(`undefined variable "${variables[0]}"`);
    const commands: Operand[][] = [];
    let current: Operand[] = [];
    for (let position = 0; position < rest.length;) {
      const token = rest[position]!;
      if (token.type === 'pipe') {
        if (current.length === 0) throw this.fail('missing command in pipeline');
        commands.push(current);
        current = [];
        position++;
        continue;
      }
      const { operand, next } = this.operand(rest, position, source);
      current.push(operand);
      position = next;
    }
    if (current.length === 0) throw this.fail(`missing value for ${context}`);
    commands.push(current);
    // Declared after the pipeline is parsed, as in Go: `$x := $x` refers to an outer $x.
    if (!assign) this.variables.push(...variables);
    return { source, variables, assign, commands };
  }

  private operand(tokens: readonly Token[], position: number, source: string): { operand: Operand; next: number } {
    const token = tokens[position]!;
    let next = position + 1;
    let operand: Operand;
    switch (token.type) {
      case 'string':
        operand = { type: 'constant', value: token.value };
        break;
      case 'number':
        operand = { type: 'constant', value: parseNumber(token.text) };
        break;
      case 'char':
        operand = { type: 'constant', value: token.value };
        break;
      case 'dot':
        operand = { type: 'dot' };
        break;
      case 'field':
        operand = { type: 'field', path: [token.name] };
        break;
      case 'variable':
        if (!this.variables.includes(token.name)) throw this.fail(`undefined variable "${token.name}"`);
        operand = { type: 'variable', name: token.name, path: [] };
        break;
      case 'identifier':
        if (token.name === 'true' || token.name === 'false')
          operand = { type: 'constant', value: token.name === 'true' };
        else if (token.name === 'nil') operand = { type: 'constant', value: null };
        else if (UNSUPPORTED.has(token.name)) throw this.fail(`unsupported template construct "${token.name}"`);
        else if (KEYWORDS.has(token.name)) throw this.fail(`unexpected <${token.name}> in command`);
        else if (!this.functions.has(token.name)) throw this.fail(`function "${token.name}" not defined`);
        else operand = { type: 'function', name: token.name };
        break;
      case 'open': {
        let depth = 1;
        while (next < tokens.length && depth > 0) {
          if (tokens[next]!.type === 'open') depth++;
          if (tokens[next]!.type === 'close') depth--;
          next++;
        }
        if (depth > 0) throw this.fail('unclosed left paren');
        const inner = tokens.slice(position + 1, next - 1);
        operand = { type: 'pipeline', pipe: this.pipeline(inner, 'parenthesized pipeline', source), path: [] };
        break;
      }
      default:
        throw this.fail(`unexpected ${describe(token)} in operand`);
    }
    const path: string[] = [];
    while (tokens[next]?.type === 'field' && !tokens[next]!.spaced) {
      path.push((tokens[next] as { name: string }).name);
      next++;
    }
    if (path.length > 0) {
      if (operand.type === 'field') operand = { type: 'field', path: [...operand.path, ...path] };
      else if (operand.type === 'variable' || operand.type === 'pipeline') operand = { ...operand, path };
      else throw this.fail(`unexpected . after term ${JSON.stringify(source)}`);
    }
    return { operand, next };
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'identifier':
    case 'variable':
      return `<${token.name}>`;
    case 'field':
      return `<.${token.name}>`;
    case 'string':
      return JSON.stringify(token.value);
    case 'number':
      return token.text;
    default:
      return `<${token.type}>`;
  }
}

/** Parses a Go template; syntax errors and unsupported constructs throw `TELLTALE_TEMPLATE`. */
export function parseTemplate(source: string, functions: FunctionNames): Node[] {
  return new Parser(source, functions).parse();
}
