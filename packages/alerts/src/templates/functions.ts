import { BUILTINS } from './builtins.js';
import { humanize, humanize1024, humanizeDuration, humanizePercentage } from './humanize.js';
import { QUERY_FUNCTIONS } from './functions-query.js';
import { STRING_FUNCTIONS } from './functions-strings.js';
import { TIME_FUNCTIONS } from './functions-time.js';
import { toFloat } from './values.js';

/** What functions can reach while a template renders. */
export interface ExecutionContext {
  /** Runs a PromQL instant query at the evaluation time (`query`). */
  readonly query:
    ((expression: string) => readonly { labels: Readonly<Record<string, string>>; value: number }[]) | undefined;
  /** The evaluation time in milliseconds (`now`). */
  readonly time: number | undefined;
  /** The engine's external URL (`externalURL`, `pathPrefix`). */
  readonly externalURL: string;
}

/** A template function: its arity (checked when called, as Go does) and body. */
export interface TemplateFunction {
  readonly arity: number | { readonly minimum: number };
  call(context: ExecutionContext, args: unknown[]): unknown;
}

const number = (format: (value: number) => string): TemplateFunction => ({
  arity: 1,
  call: (_context, [value]) => format(toFloat(value)),
});

/** Go's `url.URL.Path` of the external URL: decoded, empty when there is none. */
export function urlPath(url: string): string {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url) ?? /^([^?#]*)/.exec(url);
  try {
    return decodeURIComponent(match?.[1] ?? '');
  } catch {
    return match?.[1] ?? '';
  }
}

/** Every function a template may call: Go's builtins and Prometheus' functions. */
export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map(
  Object.entries({
    ...BUILTINS,
    humanize: number(humanize),
    humanize1024: number(humanize1024),
    humanizeDuration: number(humanizeDuration),
    humanizePercentage: number(humanizePercentage),
    ...STRING_FUNCTIONS,
    ...TIME_FUNCTIONS,
    ...QUERY_FUNCTIONS,
    externalURL: { arity: 0, call: (context) => context.externalURL },
    pathPrefix: { arity: 0, call: (context) => urlPath(context.externalURL) },
  } satisfies Record<string, TemplateFunction>),
);
