import { TelltaleError } from '@telltale/core';
import type { JobError } from './types.js';

/**
 * Error codes thrown by `@telltale/jobs`. Each is documented in `docs/errors.md`.
 *
 * @example
 * ```ts
 * import { TelltaleError } from '@telltale/core';
import type { JobError } from './types.js';
 * import { JOBS_ERROR_CODES } from '@telltale/jobs';
 * try {
 *   await jobs.submit('transcribe', { path });
 * } catch (error) {
 *   if (TelltaleError.is(error, JOBS_ERROR_CODES.queueFull)) response.status(503).end();
 * }
 * ```
 */
export const JOBS_ERROR_CODES = Object.freeze({
  /** `submit` refused: the type already has `maxQueued` jobs waiting. */
  queueFull: 'TELLTALE_JOBS_QUEUE_FULL',
  /** The job was cancelled (`done` rejects with it). */
  cancelled: 'TELLTALE_JOBS_CANCELLED',
  /** The job exhausted its attempts or failed with an error not to retry (`done` rejects with it; `cause` is the last error). */
  deadLettered: 'TELLTALE_JOBS_DEAD_LETTERED',
  /** `submit` or `redrive` after `close()`. */
  closed: 'TELLTALE_CLOSED',
} as const);

/** @internal */
export function queueFullError(type: string, maxQueued: number): TelltaleError {
  return new TelltaleError(JOBS_ERROR_CODES.queueFull, `Job type "${type}" has ${maxQueued} jobs waiting; refused`, {
    details: { type, maxQueued },
  });
}

/** @internal */
export function cancelledError(id: string, type: string): TelltaleError {
  return new TelltaleError(JOBS_ERROR_CODES.cancelled, `Job ${id} was cancelled`, { details: { id, type } });
}

/** @internal */
export function deadLetteredError(id: string, type: string, cause: JobError): TelltaleError {
  return new TelltaleError(JOBS_ERROR_CODES.deadLettered, `Job ${id} was dead-lettered: ${cause.message}`, {
    cause,
    details: { id, type, ...(cause.code === undefined ? {} : { causeCode: cause.code }) },
  });
}

/** @internal */
export function closedError(): TelltaleError {
  return new TelltaleError(JOBS_ERROR_CODES.closed, 'Job runner is closed');
}
