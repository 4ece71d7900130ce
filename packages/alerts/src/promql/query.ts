import type { SeriesStore } from '../store/series-store.js';
import { evaluateExpression } from './evaluate.js';
import { parsePromql } from './parse.js';
import type { QueryValue } from './values.js';

/**
 * Runs an instant PromQL query (the supported subset) against a series store.
 *
 * @throws TelltaleError `TELLTALE_PROMQL_SYNTAX` / `TELLTALE_PROMQL_UNSUPPORTED` for bad or unsupported PromQL.
 * @example
 * ```ts
 * import { createSeriesStore, query } from '@telltale/alerts';
 * const store = createSeriesStore();
 * store.append({ __name__: 'up', job: 'api' }, 0, 1);
 * query(store, 'sum(up)', 60_000); // { type: 'vector', samples: [{ labels: {}, value: 1 }] }
 * ```
 */
export function query(
  store: SeriesStore,
  expression: string,
  time: number,
  options: { lookbackDelta?: number } = {},
): QueryValue {
  return evaluateExpression(parsePromql(expression), { store, time, lookbackDelta: options.lookbackDelta });
}
