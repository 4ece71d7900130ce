import { TelltaleConfigError, options as check, redactSecrets, systemClock } from '@telltale/core';
import { NotifyDeliveryError, type FailureClassification } from './errors.js';

/**
 * The `fetch` signature channels use; inject one for proxies or tests.
 *
 * @example
 * ```ts
 * slackChannel({ webhookUrl, fetch: (url, init) => fetch(url, { ...init, dispatcher: proxyAgent } as RequestInit) });
 * ```
 */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

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
  timeout?: number | string;
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
    const text = await readBounded(response, controller.signal).catch(() => '');
    return { status: response.status, headers: response.headers, body: text };
  } finally {
    systemClock.clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

async function readBounded(response: Response, signal: AbortSignal): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY && !signal.aborted) {
      const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (chunk.done || chunk.value === undefined) break;
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  // Node's messages name host:port at most; redact anyway in case a proxy echoes a URL.
  return redactSecrets(detail)
    .replace(/https?:\/\/\S+/g, '<url>')
    .slice(0, 200);
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds
 * from `now`; undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.max(0, Math.round(Number(trimmed) * 1000));
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses a reset header holding epoch seconds (SendGrid `X-RateLimit-Reset`) into a wait from `now`. */
export function parseResetEpoch(value: string | null | undefined, now: number): number | undefined {
  if (value == null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.max(0, Math.round(Number(value.trim()) * 1000 - now));
}

/**
 * The default reading of an HTTP status: 408/425/5xx retryable, 429
 * rate-limited, 410 endpoint-gone, other 4xx permanent, 3xx permanent (the
 * endpoint moved; we do not follow redirects with a signed body).
 */
export function classifyStatus(status: number): FailureClassification {
  if (status === 429) return 'rate-limited';
  if (status === 410) return 'endpoint-gone';
  if (status === 408 || status === 425 || status >= 500) return 'retryable';
  return 'permanent';
}

/** Builds the error for a non-success reply; `detail` is a short provider-supplied reason. */
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
    retryAfterMs: options.retryAfterMs,
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
