const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi;
const SECRET_PARAMS =
  /([?&;](?:access_token|api[_-]?key|apikey|auth|key|password|passwd|pwd|secret|sig|signature|token|client_secret|code)=)[^&\s#;"']*/gi;
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g;

/**
 * Removes credentials from free text before it reaches logs, errors, metrics
 * or health output: URL user-info (`postgres://user:pass@host`), secret-looking
 * query parameters (`?token=...`) and `Authorization`-style tokens.
 *
 * @example
 * ```ts
 * import { redactSecrets } from '@telltale/core';
 * redactSecrets('connect ECONNREFUSED postgres://app:hunter2@db:5432/x');
 * // 'connect ECONNREFUSED postgres://***@db:5432/x'
 * ```
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@').replace(SECRET_PARAMS, '$1***').replace(BEARER, '$1 ***');
}
