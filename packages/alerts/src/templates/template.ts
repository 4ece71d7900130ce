import { execute, isExecutionError } from './evaluate.js';
import { FUNCTIONS } from './functions.js';
import { parseTemplate } from './parse.js';
import { GoMap, GoStruct } from './values.js';

/**
 * What a label or annotation template can read. The engine builds it for
 * every alert; build it yourself to render a template outside the engine.
 *
 * @example
 * ```ts
 * import { compileTemplate, type TemplateData } from '@telltale/alerts';
 * const data: TemplateData = { labels: { job: 'api' }, value: 3, externalLabels: {}, externalURL: '', time: Date.now() };
 * compileTemplate('{{ $labels.job }} since {{ now | humanizeTimestamp }}')(data);
 * ```
 */
export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  /** `$externalURL`, and what the `externalURL` and `pathPrefix` functions return. */
  readonly externalURL: string;
  /**
   * Runs a PromQL instant query at the evaluation time, for the `query`
   * function. The engine supplies it; without it `query` renders an error.
   */
  readonly query?: (expression: string) => readonly { labels: Readonly<Record<string, string>>; value: number }[];
  /** The evaluation time in milliseconds, for `now`. The engine supplies it. */
  readonly time?: number;
}

/** A template compiled at load time. */
export type CompiledTemplate = (data: TemplateData) => string;

const DATA_TYPE =
  'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }';

/**
 * Compiles a Prometheus label/annotation template with Go's text/template
 * semantics: `{{ $labels.x }}`, pipelines (`{{ $value | humanize }}`),
 * `if`/`else if`/`else`, `range`, `with`, variables, comparisons, `and`/`or`/`not`,
 * and Prometheus' functions (`humanize*`, `query`, `first`, `label`, `reReplaceAll`,
 * `toTime`, ...). Syntax errors, unknown functions and unsupported constructs
 * (`define`, `template`, `block`) throw `TELLTALE_TEMPLATE` at load time;
 * run-time errors are returned by the compiled function as Prometheus renders
 * them (`<error expanding template: ...>`), never thrown.
 *
 * @example
 * ```ts
 * import { compileTemplate } from '@telltale/alerts';
 * const render = compileTemplate(
 *   '{{ $labels.route }} at {{ humanizePercentage $value }}{{ if gt $value 0.1 }} (page){{ end }}',
 * );
 * render({ labels: { route: '/pay' }, value: 0.25, externalLabels: {}, externalURL: '' }); // '/pay at 25% (page)'
 * ```
 */
export function compileTemplate(source: string): CompiledTemplate {
  const nodes = parseTemplate(source, FUNCTIONS);
  if (nodes.every((node) => node.type === 'text')) {
    const constant = nodes.map((node) => node.text).join('');
    return () => constant;
  }
  return (data) => {
    const labels = new GoMap(data.labels);
    const externalLabels = new GoMap(data.externalLabels);
    const root = new GoStruct(
      DATA_TYPE,
      new Map<string, unknown>([
        ['Labels', labels],
        ['ExternalLabels', externalLabels],
        ['ExternalURL', data.externalURL],
        ['Value', data.value],
      ]),
    );
    const variables = [
      { name: '$', value: root },
      { name: '$labels', value: labels },
      { name: '$externalLabels', value: externalLabels },
      { name: '$externalURL', value: data.externalURL },
      { name: '$value', value: data.value },
    ];
    try {
      return execute(nodes, root, variables, { query: data.query, time: data.time, externalURL: data.externalURL });
    } catch (error) {
      // Prometheus renders nothing but the error when expansion fails.
      const message = isExecutionError(error) ? error.message : `at <?>: ${(error as Error).message}`;
      return `<error expanding template: executing ${message}>`;
    }
  };
}
