/**
 * The error codes of `@telltale/live` (see `docs/errors.md`), besides
 * `TELLTALE_CONFIG` and `TELLTALE_INVALID_INPUT` from `@telltale/core`.
 *
 * @example
 * ```ts
 * import { TelltaleError } from '@telltale/core';
 * import { LIVE_ERROR_CODES } from '@telltale/live';
 * if (TelltaleError.is(error, LIVE_ERROR_CODES.brokerUnavailable)) console.warn('Redis is down');
 * ```
 */
export const LIVE_ERROR_CODES = Object.freeze({
  /** `hub.publish` after `hub.close()`. */
  closed: 'TELLTALE_LIVE_CLOSED',
  /** A broker could not store or carry an event (Redis down or too slow). */
  brokerUnavailable: 'TELLTALE_LIVE_BROKER_UNAVAILABLE',
} as const);
