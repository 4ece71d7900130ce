import { options as check } from '@telltale/core';
import type { CircuitState } from './state.js';

/**
 * Options for {@link CircuitBreaker.healthCheck}.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({ name: 'payments' });
 * registry.register('payments', breaker.healthCheck({ whenOpen: 'warn' }), { tags: ['ready'] });
 * ```
 */
export interface BreakerHealthOptions {
  /** Status while open or isolated (default `'fail'`). */
  whenOpen?: 'fail' | 'warn';
  /** Status while half-open (default `'warn'`). */
  whenHalfOpen?: 'pass' | 'warn' | 'fail';
}

/**
 * Result shape of {@link CircuitBreaker.healthCheck}, compatible with `@telltale/health`.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const check = circuitBreaker({ name: 'payments' }).healthCheck();
 * check(); // { status: 'pass', observedValue: 'closed' }
 * ```
 */
export interface BreakerHealthResult {
  status: 'pass' | 'warn' | 'fail';
  observedValue: CircuitState;
  output?: string;
}

/** A `@telltale/health` check reading the breaker's state: pass when closed, warn/fail otherwise. */
export function breakerHealthCheck(
  breaker: { readonly name: string; readonly state: CircuitState },
  options: BreakerHealthOptions,
): () => BreakerHealthResult {
  const whenOpen = check.oneOf('healthCheck.whenOpen', options.whenOpen, ['fail', 'warn'], 'fail');
  const whenHalfOpen = check.oneOf('healthCheck.whenHalfOpen', options.whenHalfOpen, ['pass', 'warn', 'fail'], 'warn');
  return Object.assign(
    (): BreakerHealthResult => {
      const state = breaker.state;
      if (state === 'closed') return { status: 'pass', observedValue: state };
      const status = state === 'half-open' ? whenHalfOpen : whenOpen;
      return { status, observedValue: state, output: `circuit breaker "${breaker.name}" is ${state}` };
    },
    { measurement: 'state', componentType: 'component' },
  );
}
