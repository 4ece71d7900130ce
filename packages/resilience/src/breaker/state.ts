import type { TimerHandle } from '@telltale/core';

/**
 * Breaker states. `isolated` is a manual open that only `reset()` ends.
 *
 * @example
 * ```ts
 * import type { CircuitState } from '@telltale/resilience';
 * const healthy = (state: CircuitState) => state === 'closed';
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * What `onStateChange` listeners receive.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({ name: 'search' });
 * breaker.onStateChange(({ from, to, reason }) => logger.warn({ from, to, reason }, 'search breaker'));
 * ```
 */
export interface CircuitStateChange {
  /** Breaker name. */
  name: string;
  from: CircuitState;
  to: CircuitState;
  /** Clock time of the change (ms since epoch). */
  at: number;
  /** Why: `failure-ratio`, `slow-call-ratio`, `probe-failed`, `probes-succeeded`, `half-open-after`, `isolate`, `reset`, `restore`. */
  reason: string;
}

/**
 * A breaker's state as JSON, for {@link CircuitBreakerOptions.restore}.
 *
 * @example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerSnapshot } from '@telltale/resilience';
 * const saved: CircuitBreakerSnapshot = JSON.parse(await readFile('breaker.json', 'utf8'));
 * const breaker = circuitBreaker({ name: saved.name, restore: saved });
 * ```
 */
export interface CircuitBreakerSnapshot {
  name: string;
  state: CircuitState;
  /** When the current state began (ms since epoch). */
  since: number;
  /** When an open breaker lets probes through (ms since epoch). */
  halfOpenAt?: number | undefined;
  /** Calls and failures in the current window. */
  window: WindowCounts;
}

/**
 * Calls counted in a breaker's rolling window: `calls` = `failures` + `successes`. Local refusals
 * and errors `isFailure` rejects are not counted; a call counts when it settles.
 */
export interface WindowCounts {
  calls: number;
  failures: number;
  successes: number;
}

/**
 * The breaker's state with the data that only that state has: an open
 * breaker has a half-open deadline and its timer, a half-open one counts
 * its probes. Each transition builds a fresh value, so no field outlives
 * the state it belongs to.
 */
export type BreakerState =
  | { readonly kind: 'closed'; readonly since: number }
  | { readonly kind: 'open'; readonly since: number; readonly halfOpenAt: number; readonly timer: TimerHandle }
  | { readonly kind: 'half-open'; readonly since: number; probesStarted: number; probesSucceeded: number }
  | { readonly kind: 'isolated'; readonly since: number };

/** The half-open deadline, when the state has one. */
export function halfOpenDeadline(state: BreakerState): number | undefined {
  return state.kind === 'open' ? state.halfOpenAt : undefined;
}
