import { TelltaleError } from '@telltale/core';

/**
 * Error codes thrown by `@telltale/resilience`. Each is documented in
 * `docs/errors.md` and the package README.
 *
 * @example
 * ```ts
 * import { TelltaleError } from '@telltale/core';
 * import { RESILIENCE_ERROR_CODES } from '@telltale/resilience';
 * if (TelltaleError.is(error, RESILIENCE_ERROR_CODES.circuitOpen)) return cached();
 * ```
 */
export const RESILIENCE_ERROR_CODES = Object.freeze({
  circuitOpen: 'TELLTALE_CIRCUIT_OPEN',
  timeout: 'TELLTALE_TIMEOUT',
  bulkheadRejected: 'TELLTALE_BULKHEAD_REJECTED',
  retryBudgetExhausted: 'TELLTALE_RETRY_BUDGET_EXHAUSTED',
  aborted: 'TELLTALE_ABORTED',
  closed: 'TELLTALE_CLOSED',
} as const);

/** Codes that mean "the call was refused or cancelled locally": never retried, never a breaker failure. */
const LOCAL_REFUSALS: ReadonlySet<string> = new Set([
  RESILIENCE_ERROR_CODES.circuitOpen,
  RESILIENCE_ERROR_CODES.bulkheadRejected,
  RESILIENCE_ERROR_CODES.retryBudgetExhausted,
  RESILIENCE_ERROR_CODES.aborted,
  RESILIENCE_ERROR_CODES.closed,
  'TELLTALE_CONFIG',
]);

/**
 * True for errors that Telltale produced to refuse or cancel a call locally
 * (open circuit, bulkhead or budget rejection, abort, closed policy). Retrying
 * them is pointless and they say nothing about the dependency's health.
 *
 * @example
 * ```ts
 * import { isLocalRefusal } from '@telltale/resilience';
 * const retryOn = (error: unknown) => !isLocalRefusal(error);
 * ```
 */
export function isLocalRefusal(error: unknown): boolean {
  return TelltaleError.is(error) && LOCAL_REFUSALS.has(error.code);
}

/** @internal */
export function circuitOpenError(name: string, state: string, retryAfterMs?: number): TelltaleError {
  return new TelltaleError(RESILIENCE_ERROR_CODES.circuitOpen, `Circuit "${name}" is ${state}; call rejected`, {
    details: retryAfterMs === undefined ? { breaker: name, state } : { breaker: name, state, retryAfterMs },
  });
}

/** @internal */
export function timeoutError(milliseconds: number, strategy: string): TelltaleError {
  return new TelltaleError(RESILIENCE_ERROR_CODES.timeout, `Timed out after ${milliseconds}ms`, {
    details: { timeoutMs: milliseconds, strategy },
  });
}

/** @internal */
export function bulkheadRejectedError(name: string, reason: 'queue-full' | 'evicted'): TelltaleError {
  return new TelltaleError(
    RESILIENCE_ERROR_CODES.bulkheadRejected,
    `Bulkhead "${name}" rejected the call (${reason})`,
    {
      details: { bulkhead: name, reason },
    },
  );
}

/** @internal */
export function retryBudgetExhaustedError(cause: unknown): TelltaleError {
  return new TelltaleError(
    RESILIENCE_ERROR_CODES.retryBudgetExhausted,
    'Retry refused: the retry budget is exhausted (the dependency is failing for many callers)',
    { cause },
  );
}

/** @internal */
export function closedError(what: string): TelltaleError {
  return new TelltaleError(RESILIENCE_ERROR_CODES.closed, `${what} is closed`);
}
