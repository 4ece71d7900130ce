import type { parser } from '@prometheus-io/lezer-promql';
import { TelltaleError } from '@telltale/core';

/** A node of the lezer PromQL syntax tree. */
export type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Thrown for PromQL the evaluator cannot run: syntax errors and unsupported constructs. */
export function promqlError(expression: string, message: string, construct?: string): TelltaleError {
  return new TelltaleError(
    construct ? 'TELLTALE_PROMQL_UNSUPPORTED' : 'TELLTALE_PROMQL_SYNTAX',
    `${message} in PromQL expression ${JSON.stringify(expression)}`,
    { details: construct ? { expression, construct } : { expression } },
  );
}

/** The source text and error helpers shared by the parts of the converter. */
export class ParseContext {
  constructor(readonly source: string) {}

  text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }

  children(node: SyntaxNode): SyntaxNode[] {
    const result: SyntaxNode[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) result.push(child);
    return result;
  }

  unsupported(construct: string, node: SyntaxNode): never {
    throw promqlError(
      this.source,
      `Unsupported PromQL construct: ${construct} (${JSON.stringify(this.text(node))})`,
      construct,
    );
  }

  fail(message: string): never {
    throw promqlError(this.source, message);
  }
}
