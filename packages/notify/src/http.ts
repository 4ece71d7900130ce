import {
  TelltaleConfigError,
  options as check,
  describeError,
  redactSecrets,
  systemClock,
  type DurationInput,
} from '@telltale/core';
import {
  classifyStatus as classifyHttpStatus,
  parseRetryAfter,
  readBoundedBody,
  type FetchFunction,
} from '@telltale/resilience';
import { NotifyDeliveryError, type FailureClassification } from './errors.js';

// One HTTP layer for every channel and provider: these live in @telltale/resilience.
export { parseRetryAfter };
export type { FetchFunction };

/**
 * Options shared by HTTP channels.
 *
 * @example
 * ```ts
 * slackChannel({ webhookUrl, timeout: '5s' });
 * ```
 */
export interface HttpChannelOptions {
  /** `fetch` implementation; default the global one. */
  fetch?: FetchFunction;
  /** Per-request timeout; default `'10s'`. */
  timeout?: DurationInput;
}

/** A received HTTP response, body read as text (bounded). */
export interface HttpReply {
  status: number;
  headers: Headers;
  body: string;
}

const MAX_BODY = 64 * 1024;

/** Resolved HTTP settings of a channel. */
export interface HttpSettings {
  fetch: FetchFunction;
  timeout: number;
}

/** Validates the shared HTTP options. */
export function httpSettings(prefix: string, input: HttpChannelOptions): HttpSettings {
  const fetchFunction = check.optionalFunction<FetchFunction>(`${prefix}.fetch`, input.fetch) ?? globalThis.fetch;
  return { fetch: fetchFunction, timeout: check.duration(`${prefix}.timeout`, input.timeout, '10s') };
}

/** Validates an absolute http(s) URL option without ever echoing it (it may hold a token). */
export function urlOption(option: string, value: unknown): URL {
  if (typeof value === 'string' && URL.canParse(value)) {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  }
  throw new TelltaleConfigError({
    option,
    value: typeof value === 'string' ? '<redacted URL>' : value,
    expected: 'an absolute http(s) URL',
  });
}

/**
 * POSTs `body` and reads the reply. Network failures and timeouts become
 * retryable `NotifyDeliveryError`s whose message never contains the URL.
 */
export async function post(
  provider: string,
  settings: HttpSettings,
  url: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<HttpReply> {
  // One controller and one (ref'ed, awaited) timer per request: cheaper than AbortSignal.any/timeout,
  // which allocate per call and keep listeners until collected on Node 20.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = systemClock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.timeout);
  try {
    let response: Response;
    try {
      response = await settings.fetch(url.href, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new NotifyDeliveryError(
        timedOut ? `${provider} request timed out` : `${provider} request failed: ${describeNetworkError(error)}`,
        { classification: 'retryable', provider, providerCode: typeof code === 'string' ? code : undefined },
      );
    }
    const { text } = await readBoundedBody(response, { maxBytes: MAX_BODY, signal: controller.signal }).catch(() => ({
      text: '',
    }));
    return { status: response.status, headers: response.headers, body: text };
  } finally {
    systemClock.clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const detail = cause instanceof Error ? cause.message : describeError(error);
  // Node's messages name host:port at most; redact anyway in case a proxy echoes a URL.
  return redactSecrets(detail)
    .replace(/https?:\/\/\S+/g, '<url>')
    .slice(0, 200);
}

/** Parses a reset header holding epoch seconds (SendGrid `X-RateLimit-Reset`) into a wait from `now`. */
export function parseResetEpoch(value: string | null | undefined, now: number): number | undefined {
  if (value == null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.max(0, Math.round(Number(value.trim()) * 1000 - now));
}

/**
 * A channel's reading of an HTTP status: the shared table
 * (`classifyStatus` of `@telltale/resilience`), where a refused payload
 * (402, 413, 415) is permanent for a notification.
 */
export function classifyStatus(status: number): FailureClassification {
  const kind = classifyHttpStatus(status);
  return kind === 'quota-exhausted' || kind === 'unsupported' ? 'permanent' : kind;
}

/**
 * Builds the error for a non-success reply; `detail` is a short provider-supplied reason. The
 * wait is the caller's `retryAfterMs` (a vendor body or reset header), else the reply's
 * `Retry-After`, so no channel parses that header itself.
 */
export function replyError(
  provider: string,
  reply: HttpReply,
  options: {
    classification?: FailureClassification;
    retryAfterMs?: number | undefined;
    providerCode?: string;
    detail?: string;
  },
): NotifyDeliveryError {
  const classification = options.classification ?? classifyStatus(reply.status);
  const detail = options.detail ?? options.providerCode;
  const suffix = detail ? `: ${redactSecrets(detail).slice(0, 300)}` : '';
  return new NotifyDeliveryError(`${provider} answered HTTP ${reply.status}${suffix}`, {
    classification,
    provider,
    status: reply.status,
    providerCode: options.providerCode,
    retryAfterMs: options.retryAfterMs ?? parseRetryAfter(reply.headers.get('retry-after'), Date.now()),
  });
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
