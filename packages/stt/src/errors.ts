import { TelltaleError } from '@telltale/core';

/**
 * How a provider failure should be handled:
 * - `retryable`: transient (5xx, network, timeouts, malformed bodies): retry, then fall back.
 * - `rate-limited`: 429 with optional `Retry-After`: honour the wait or fall back now.
 * - `quota-exhausted`: the account is out of credit (OpenAI `insufficient_quota`, Deepgram 402):
 *    retrying cannot help; the breaker opens at once.
 * - `permanent`: auth or configuration errors (401, 403, 404): the breaker opens at once.
 * - `unsupported`: this request cannot be served by this provider (too large, too long, bad
 *    format); try the next one without blaming the provider.
 */
export type SttErrorKind = 'retryable' | 'rate-limited' | 'quota-exhausted' | 'permanent' | 'unsupported';

const CODES: Readonly<Record<SttErrorKind, string>> = {
  retryable: 'TELLTALE_STT_UNAVAILABLE',
  'rate-limited': 'TELLTALE_STT_RATE_LIMITED',
  'quota-exhausted': 'TELLTALE_STT_QUOTA_EXHAUSTED',
  permanent: 'TELLTALE_STT_REJECTED',
  unsupported: 'TELLTALE_STT_UNSUPPORTED_AUDIO',
};

/** Details carried by every {@link SttProviderError}. */
export interface SttErrorDetails {
  provider: string;
  kind: SttErrorKind;
  /** HTTP status, when the failure was an HTTP response. */
  status?: number;
  /** The provider's own error code (`insufficient_quota`, `INVALID_AUTH`, ...). */
  providerCode?: string;
  /** Milliseconds the provider asked us to wait (Retry-After). */
  retryAfterMs?: number;
  requestId?: string;
}

/**
 * A classified provider failure. `code` follows `kind`:
 * `TELLTALE_STT_UNAVAILABLE`, `TELLTALE_STT_RATE_LIMITED`, `TELLTALE_STT_QUOTA_EXHAUSTED`,
 * `TELLTALE_STT_REJECTED`, `TELLTALE_STT_UNSUPPORTED_AUDIO`.
 *
 * @example
 * ```ts
 * import { isSttProviderError } from '@telltale/stt';
 * try { await provider.transcribe(audio); } catch (error) {
 *   if (isSttProviderError(error) && error.kind === 'rate-limited') console.log(error.retryAfterMs);
 * }
 * ```
 */
export class SttProviderError extends TelltaleError {
  readonly provider: string;
  readonly kind: SttErrorKind;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, details: SttErrorDetails, options: { cause?: unknown } = {}) {
    super(CODES[details.kind], message, { ...options, details: { ...details } });
    this.name = 'SttProviderError';
    this.provider = details.provider;
    this.kind = details.kind;
    this.status = details.status;
    this.providerCode = details.providerCode;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }

  /**
   * True when `error` is a classified provider failure from any copy of `@telltale/stt`
   * (core's brand and one of the STT codes, not the prototype).
   *
   * @example
   * ```ts
   * if (SttProviderError.is(error) && error.kind === 'rate-limited') console.log(error.retryAfterMs);
   * ```
   */
  static override is(error: unknown): error is SttProviderError {
    return isSttProviderError(error);
  }
}

const KIND_BY_CODE = new Map(Object.entries(CODES).map(([kind, code]) => [code, kind as SttErrorKind]));

/**
 * True when `error` is a classified provider failure (from any copy of the package).
 *
 * @example
 * ```ts
 * if (isSttProviderError(error)) console.log(error.provider, error.kind);
 * ```
 */
export function isSttProviderError(error: unknown): error is SttProviderError {
  return TelltaleError.is(error) && KIND_BY_CODE.has(error.code) && 'kind' in error;
}

/**
 * The kind of any error thrown by a provider: classified errors keep theirs, timeouts and
 * unknown errors count as `retryable`, aborts as `undefined` (the caller's choice, not a failure).
 *
 * @example
 * ```ts
 * errorKind(new Error('socket hang up')); // 'retryable'
 * ```
 */
export function errorKind(error: unknown): SttErrorKind | undefined {
  if (TelltaleError.is(error, 'TELLTALE_ABORTED')) return undefined;
  if (isSttProviderError(error)) return error.kind;
  if (TelltaleError.is(error, 'TELLTALE_STT_ENGINE_MISSING')) return 'permanent';
  return 'retryable';
}
