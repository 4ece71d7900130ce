/**
 * What a non-success HTTP status means to a caller deciding whether to retry.
 * Channels and providers narrow it to their own vocabulary (a notify channel
 * treats `unsupported` as `permanent`; an STT provider treats `endpoint-gone`
 * as `permanent`).
 *
 * @example
 * ```ts
 * import { classifyStatus, type HttpFailureKind } from '@telltale/resilience';
 * const kind: HttpFailureKind = classifyStatus(503); // 'retryable'
 * ```
 */
export type HttpFailureKind =
  'retryable' | 'rate-limited' | 'quota-exhausted' | 'unsupported' | 'endpoint-gone' | 'permanent';

/**
 * The default reading of a failed HTTP status, for when the vendor's body
 * says nothing more specific: 429 rate-limited; 402 quota-exhausted; 413 and
 * 415 unsupported (this payload will never be accepted); 410 endpoint-gone;
 * 408, 425 and 5xx retryable; every other status permanent (other 4xx, and
 * 3xx because redirects are not followed with a signed or secret-bearing body).
 *
 * @example
 * ```ts
 * import { classifyStatus } from '@telltale/resilience';
 * if (!response.ok && classifyStatus(response.status) === 'retryable') scheduleRetry();
 * ```
 */
export function classifyStatus(status: number): HttpFailureKind {
  if (status === 429) return 'rate-limited';
  if (status === 402) return 'quota-exhausted';
  if (status === 413 || status === 415) return 'unsupported';
  if (status === 410) return 'endpoint-gone';
  if (status === 408 || status === 425 || status >= 500) return 'retryable';
  return 'permanent';
}
