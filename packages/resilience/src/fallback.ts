import { TelltaleConfigError, TelltaleError } from '@telltale/core';
import { RESILIENCE_ERROR_CODES } from './errors.js';
import type { ExecuteOptions, ExecutionContext, Next, Operation, Policy, Run } from './policy.js';
import { executeAlone } from './standalone.js';

/**
 * Options for {@link fallback}.
 *
 * @example
 * ```ts
 * import { fallback, type FallbackOptions } from '@telltale/resilience';
 * const options: FallbackOptions = { shouldHandle: (error) => !(error instanceof ValidationError) };
 * const policy = fallback(() => [], options);
 * ```
 */
export interface FallbackOptions {
  /** Which errors to replace (default: every error except the caller's abort). */
  shouldHandle?: (error: unknown) => boolean;
  /** Strategy name (default `'fallback'`). */
  name?: string;
}

/**
 * A {@link Policy} that replaces a failure with a fallback value.
 *
 * @example
 * ```ts
 * import { fallback, type FallbackPolicy } from '@telltale/resilience';
 * const empty: FallbackPolicy = fallback(() => ({ items: [] }));
 * const list = await empty.execute(() => fetchItems());
 * ```
 */
export interface FallbackPolicy extends Policy {
  readonly kind: 'fallback';
}

/**
 * Replaces a failure with a fallback value (a cached answer, a default, a
 * degraded response). Put it outermost so it also covers open circuits and
 * exhausted retries.
 *
 * @example
 * ```ts
 * import { circuitBreaker, fallback, pipeline } from '@telltale/resilience';
 * const prices = pipeline('prices', fallback(() => lastKnownPrices), circuitBreaker({ name: 'prices-api' }));
 * const current = await prices.execute(({ signal }) => fetchPrices({ signal }));
 * ```
 */
export function fallback<F>(
  handler: (error: unknown, context: ExecutionContext) => F | PromiseLike<F>,
  options: FallbackOptions = {},
): FallbackPolicy {
  if (typeof handler !== 'function') {
    throw new TelltaleConfigError({ option: 'fallback', value: handler, expected: 'a function' });
  }
  const shouldHandle =
    options.shouldHandle ?? ((error: unknown) => !TelltaleError.is(error, RESILIENCE_ERROR_CODES.aborted));
  const name = options.name ?? 'fallback';
  const policy: FallbackPolicy = {
    kind: 'fallback',
    name,
    execute<T>(operation: Operation<T>, executeOptions?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, executeOptions);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      return next(run).catch(async (error: unknown) => {
        if (!shouldHandle(error)) throw error;
        run.emit?.(name, 'fallback-used', { attempt: run.attempt, error });
        const context: ExecutionContext = { signal: run.cancellation.signal, attempt: run.attempt };
        return (await handler(error, context)) as unknown as T;
      });
    },
  };
  return policy;
}
