import { options as check } from '@telltale/core';
import { Breaker, type CircuitBreakerPolicy } from './breaker/breaker.js';
import type { CircuitBreakerOptions } from './breaker/options.js';

export type { CircuitBreakerPolicy } from './breaker/breaker.js';
export type { BreakerHealthOptions, BreakerHealthResult } from './breaker/health.js';
export type { CircuitBreakerOptions } from './breaker/options.js';
export type { CircuitBreakerSnapshot, CircuitState, CircuitStateChange } from './breaker/state.js';

/**
 * A circuit breaker over a lazily rotating rolling window (no timer while
 * closed): `minimumThroughput` (default 10) so one failure never opens it; a
 * per-call timeout signal so one timeout aborts only its own call; local
 * refusals (bulkhead, aborts) and errors `isFailure` rejects counted as
 * neither calls nor failures; `halfOpenProbes` probes instead of exactly
 * one; half-open timing on an injectable clock.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({
 *   name: 'inventory-api',
 *   failureRatio: 0.5,
 *   minimumThroughput: 20,
 *   window: '30s',
 *   halfOpenAfter: '15s',
 *   timeout: '2s',
 *   isFailure: (error) => !(error instanceof HttpError && error.status < 500),
 * });
 * breaker.onStateChange(({ from, to }) => logger.warn({ from, to }, 'inventory breaker'));
 * const stock = await breaker.execute(({ signal }) => fetchStock(sku, { signal }));
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerPolicy {
  return new Breaker(check.object('circuitBreaker', options));
}
