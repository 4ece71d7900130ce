import { TelltaleError } from '@telltale/core';

/**
 * Parses an HTTP `Retry-After` header value: delay-seconds (`"120"`) or an
 * HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Returns milliseconds from
 * `now`, never negative, or `undefined` when absent or unparseable.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from '@telltale/resilience';
 * parseRetryAfter('3'); // 3000
 * parseRetryAfter(response.headers.get('retry-after'));
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form names its month; without a letter, Date.parse would take "-5" for a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads how long the failed dependency asked us to wait, in milliseconds.
 * This is the convention every Telltale channel and provider follows, so
 * `retry({ respectRetryAfter: true })` honours it. Looked up in order:
 *
 * 1. a numeric `error.retryAfterMs` property;
 * 2. a `TelltaleError` with numeric `details.retryAfterMs`;
 * 3. `error.retryAfter` / `details.retryAfter` as a `Retry-After` header
 *    string (seconds or HTTP date) or a number of **seconds**;
 * 4. the same on `error.cause` (one level).
 *
 * @example
 * ```ts
 * import { TelltaleError } from '@telltale/core';
 * import { retryAfterFromError } from '@telltale/resilience';
 * const error = new TelltaleError('TELLTALE_RATE_LIMITED', 'HTTP 429', {
 *   details: { status: 429, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
 * });
 * retryAfterFromError(error); // e.g. 3000
 * ```
 */
export function retryAfterFromError(error: unknown, now: number = Date.now()): number | undefined {
  return (
    read(error, now) ?? (typeof error === 'object' && error !== null ? read((error as Error).cause, now) : undefined)
  );
}

function read(error: unknown, now: number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const details = TelltaleError.is(error) ? (error.details as Record<string, unknown>) : undefined;
  const direct = numeric(record.retryAfterMs) ?? numeric(details?.retryAfterMs);
  if (direct !== undefined) return direct;
  for (const raw of [record.retryAfter, details?.retryAfter]) {
    if (typeof raw === 'number') return numeric(raw) === undefined ? undefined : raw * 1000;
    if (typeof raw === 'string') {
      const parsed = parseRetryAfter(raw, now);
      if (parsed !== undefined) return parsed;
    }
  }
  return undefined;
}
