import { describeError, redactSecrets, TelltaleError } from '@telltale/core';
import { isLocalRefusal } from '@telltale/resilience';
import type { Attempt, AttemptOutcome, FailureDecision } from './backend.js';
import { JOBS_ERROR_CODES } from './errors.js';
import type { ResolvedType } from './resolve-types.js';
import type { JobError } from './types.js';

/** Plain, storable form of an error (secrets in the message redacted). Never throws, whatever was thrown. */
export function toJobError(error: unknown): JobError {
  const message = redactSecrets(describeError(error));
  const code = TelltaleError.is(error) ? error.code : undefined;
  let name: unknown;
  try {
    name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  } catch {
    // A throwing getter: keep the default name.
  }
  return { name: typeof name === 'string' ? name : 'Error', message, code };
}

/** What to do after attempt `attempt` threw `error`. Pure: the backend applies it. */
export function decideFailure(
  type: ResolvedType,
  attempt: number,
  error: unknown,
  signal: AbortSignal,
): FailureDecision {
  if (signal.aborted && TelltaleError.is(signal.reason, JOBS_ERROR_CODES.cancelled)) {
    return { action: 'cancelled', error: toJobError(signal.reason) };
  }
  if (TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')) {
    const retryAfter = error.details.retryAfterMs;
    return { action: 'postpone', delay: typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter : 1_000 };
  }
  const stored = toJobError(error);
  const retryable = !isLocalRefusal(error) && (type.retryOn?.(error) ?? true);
  if (!retryable || attempt >= type.maxAttempts) return { action: 'dead', error: stored };
  return { action: 'retry', delay: type.backoff(attempt), error: stored };
}

/** Runs the handler once under the type's breaker and timeout; never rejects. */
export async function runAttempt(type: ResolvedType, attempt: Attempt): Promise<AttemptOutcome> {
  const context = {
    id: attempt.id,
    type: attempt.type,
    attempt: attempt.attempt,
    signal: attempt.signal,
    progress: (value: unknown) => attempt.progress(value),
  };
  try {
    const value: unknown = type.pipeline
      ? await type.pipeline.execute(({ signal }) => type.handler(attempt.payload, { ...context, signal }), {
          signal: attempt.signal,
        })
      : await type.handler(attempt.payload, context);
    // A handler that ignored its aborted signal still ends cancelled, as asked.
    if (attempt.signal.aborted && TelltaleError.is(attempt.signal.reason, JOBS_ERROR_CODES.cancelled)) {
      return { ok: false, decision: { action: 'cancelled', error: toJobError(attempt.signal.reason) } };
    }
    return { ok: true, value };
  } catch (error) {
    return { ok: false, decision: decideFailure(type, attempt.attempt, error, attempt.signal) };
  }
}
