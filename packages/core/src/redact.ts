// Every pattern is linear-time: quantifiers that could rescan input from many
// start positions are bounded, and alternatives never overlap.

// `scheme://user@` (no `/` before `@`), or `scheme://user:password@` where the
// password may hold `/` and `@` (the last `@` wins, as libpq and redis parse it).
// `host:8080/path@x` is a port, not a password.
const URL_CREDENTIALS =
  /\b([a-z][a-z0-9+.-]{0,31}:\/\/)(?:[^\s/?#@:]{0,256}:(?!\d{1,5}(?:[/?#\s]|$))[^\s?#]{0,512}@|[^\s/?#@]*@)/gi;

// Names whose value is a secret wherever `name=value` appears: query strings,
// libpq conninfo (`password=x`), env files (`AWS_SECRET_ACCESS_KEY=...`).
const SECRET_NAME =
  '(?:[a-z0-9]{1,32}[_.-]){0,6}(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|signature|credentials?|auth)';
const ASSIGNMENT = new RegExp(`(?<![a-z0-9_.-])(${SECRET_NAME}\\s{0,8}=\\s{0,8})("[^"]*"|'[^']*'|[^\\s&;#",]+)`, 'gi');
// Short names that are secrets only as query parameters (`?key=`, `&code=`, `&sig=`).
const QUERY_PARAMS = /([?&;](?:key|code|sig|session|sessionid)=)[^&\s#;"']*/gi;
// JSON members: `"password":"..."`, `"api_key": "..."`.
const JSON_MEMBER = new RegExp(`("${SECRET_NAME}"\\s{0,8}:\\s{0,8})"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// Header lines: `x-api-key: ...`, `Authorization: Bearer ...`.
const HEADER =
  /\b((?:x-api-key|api-key|x-auth-token|x-access-token|private-token|x-goog-api-key|authorization|proxy-authorization)\s{0,8}:\s{0,8}(?:(?:bearer|basic|token|digest)\s+)?)[^\s,;"']+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const BASIC_OR_TOKEN = /\b(Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g;
// Known token shapes, redacted wherever they appear.
const JWT = /\beyJ[A-Za-z0-9_-]{4,512}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const AWS_ACCESS_KEY_ID = /\b((?:AKIA|ASIA|ABIA|ACCA))[A-Z0-9]{16}\b/g;
const SENDGRID_KEY = /\bSG\.[A-Za-z0-9_-]{16,128}\.[A-Za-z0-9_-]{16,256}/g;
const VENDOR_TOKEN = /\b(sk_live_|sk_test_|rk_live_|gh[pousr]_|xox[abposr]-)[A-Za-z0-9_-]{10,}/g;
// Webhook URLs whose path is the credential.
const WEBHOOK_PATH =
  /\b((?:hooks\.slack\.com\/(?:services|workflows|triggers)|(?:[a-z]{1,16}\.)?discord(?:app)?\.com\/api\/(?:v\d{1,2}\/)?webhooks)\/)[^\s"'<>?#]+/gi;

/**
 * Removes credentials from free text before it reaches logs, errors, metrics
 * or health output. It covers URL user-info (`postgres://user:p@ss@host`,
 * `redis://:pa/ss@host`), `name=value` pairs whose name says secret
 * (`?refresh_token=`, `X-Amz-Signature=`, `X-Amz-Credential=`, libpq
 * `password=x`, `aws_secret_access_key=`), JSON members (`"password":"..."`),
 * header lines (`x-api-key:`, `Authorization:`), `Bearer`/`Basic`/`Token`
 * credentials, bare JWTs, AWS access key ids (`AKIA...`), SendGrid (`SG.`),
 * Stripe, GitHub and Slack tokens, and Slack and Discord webhook paths. Runs
 * in linear time, so it is safe on large untrusted text.
 *
 * @example
 * ```ts
 * import { redactSecrets } from '@telltale/core';
 * redactSecrets('connect ECONNREFUSED postgres://app:hunter2@db:5432/x');
 * // 'connect ECONNREFUSED postgres://***@db:5432/x'
 * redactSecrets('host=db user=app password=hunter2'); // 'host=db user=app password=***'
 * ```
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_CREDENTIALS, '$1***@')
    .replace(WEBHOOK_PATH, '$1***')
    .replace(JWT, '***')
    .replace(SENDGRID_KEY, 'SG.***')
    .replace(AWS_ACCESS_KEY_ID, '$1***')
    .replace(VENDOR_TOKEN, '$1***')
    .replace(JSON_MEMBER, '$1"***"')
    .replace(HEADER, '$1***')
    .replace(ASSIGNMENT, '$1***')
    .replace(QUERY_PARAMS, '$1***')
    .replace(BEARER, '$1 ***')
    .replace(BASIC_OR_TOKEN, '$1 ***');
}
