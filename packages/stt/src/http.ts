import { TelltaleConfigError, TelltaleError, abortError, describeError, redactSecrets } from '@telltale/core';
import { classifyStatus, parseRetryAfter, readBoundedBody, type FetchFunction } from '@telltale/resilience';
import { SttProviderError, type SttErrorKind } from './errors.js';

// One HTTP layer for every channel and provider: these live in @telltale/resilience.
export { parseRetryAfter };
export type { FetchFunction };

/** Largest response body read: a day of word-level JSON fits; a runaway proxy does not. */
const MAX_BODY = 64 * 1024 * 1024;

/** Options shared by the HTTP providers. */
export interface HttpProviderOptions {
  /** The API key. Never logged, never put into errors. */
  apiKey: string;
  /** API origin, e.g. a regional endpoint, a proxy or a local test server. */
  baseUrl?: string;
  /** Injectable fetch (default: the global one). */
  fetch?: FetchFunction;
  /** Provider id used in results, reports and metrics (default: the vendor name). */
  id?: string;
}

/** What a provider-specific classifier may say about an error response. */
export interface ErrorClassification {
  kind?: SttErrorKind;
  providerCode?: string;
  message?: string;
}

/** Context of one HTTP provider, shared by its requests. */
export interface HttpContext {
  provider: string;
  fetch: FetchFunction;
  /** Header carrying the request id (`x-request-id`, `dg-request-id`, ...). */
  requestIdHeader?: string;
  /** Vendor rules on top of the shared status table (`classifyStatus` of `@telltale/resilience`). */
  classify?: (status: number, body: unknown) => ErrorClassification;
}

/** Resolves and validates the options every HTTP provider shares. */
export function resolveHttpOptions(
  provider: string,
  input: HttpProviderOptions,
  defaultBaseUrl: string,
): { id: string; apiKey: string; baseUrl: string; fetch: FetchFunction } {
  if (typeof input !== 'object' || input === null) {
    throw new TelltaleConfigError({ option: provider, value: input, expected: 'an options object' });
  }
  if (typeof input.apiKey !== 'string' || input.apiKey.trim() === '') {
    throw new TelltaleConfigError({
      option: `${provider}.apiKey`,
      value: '[redacted]',
      expected: 'a non-empty string',
    });
  }
  const baseUrl = input.baseUrl ?? defaultBaseUrl;
  try {
    new URL(baseUrl);
  } catch {
    throw new TelltaleConfigError({ option: `${provider}.baseUrl`, value: baseUrl, expected: 'an absolute URL' });
  }
  const fetchFunction = input.fetch ?? globalThis.fetch;
  if (typeof fetchFunction !== 'function') {
    throw new TelltaleConfigError({ option: `${provider}.fetch`, value: input.fetch, expected: 'a fetch function' });
  }
  const id = input.id ?? provider;
  if (typeof id !== 'string' || id.trim() === '') {
    throw new TelltaleConfigError({ option: `${provider}.id`, value: id, expected: 'a non-empty string' });
  }
  return { id, apiKey: input.apiKey, baseUrl: baseUrl.replace(/\/+$/, ''), fetch: fetchFunction };
}

/** The kind an HTTP status means when the vendor says nothing more specific (the shared table). */
function statusKind(status: number): SttErrorKind {
  const kind = classifyStatus(status);
  // A 410 is an endpoint this provider will never serve again: permanent, so the breaker opens.
  return kind === 'endpoint-gone' ? 'permanent' : kind;
}

/** A short, secret-free message from a vendor error body. */
export function describeBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : redactSecrets(body.slice(0, 200));
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return redactSecrets(error.slice(0, 200));
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return redactSecrets((error as { message: string }).message.slice(0, 200));
  }
  for (const key of ['err_msg', 'message', 'detail']) {
    if (typeof record[key] === 'string') return redactSecrets(record[key].slice(0, 200));
  }
  return undefined;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A malformed-response failure (retryable: a proxy or a bad deploy, not the audio). */
export function malformed(context: HttpContext, what: string, requestId?: string): SttProviderError {
  return new SttProviderError(`${context.provider} returned a malformed response: ${what}`, {
    provider: context.provider,
    kind: 'retryable',
    providerCode: 'malformed_response',
    ...(requestId ? { requestId } : {}),
  });
}

/** The response of {@link requestJson}. */
export interface JsonResponse {
  body: unknown;
  status: number;
  headers: Headers;
  requestId: string | undefined;
}

/**
 * Sends one request and returns its parsed JSON body, or throws a classified
 * {@link SttProviderError}. Network errors are `retryable`; aborts are `TELLTALE_ABORTED`.
 */
export async function requestJson(
  context: HttpContext,
  url: string,
  init: RequestInit & { signal?: AbortSignal | undefined },
): Promise<JsonResponse> {
  const signal = init.signal;
  if (signal?.aborted) throw abortError(signal);
  let response: Response;
  try {
    response = await context.fetch(url, init);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    if (TelltaleError.is(error)) throw error;
    const message = describeError(error);
    throw new SttProviderError(
      `${context.provider} request failed: ${redactSecrets(message)}`,
      { provider: context.provider, kind: 'retryable', providerCode: 'network_error' },
      { cause: error },
    );
  }
  const requestId = (context.requestIdHeader && response.headers.get(context.requestIdHeader)) || undefined;
  let text: string;
  let truncated: boolean;
  try {
    ({ text, truncated } = await readBoundedBody(response, { maxBytes: MAX_BODY, signal }));
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    throw new SttProviderError(
      `${context.provider} response body could not be read`,
      { provider: context.provider, kind: 'retryable', providerCode: 'network_error' },
      { cause: error },
    );
  }
  if (signal?.aborted) throw abortError(signal);
  if (truncated && response.ok) throw malformed(context, `body larger than ${MAX_BODY} bytes`, requestId);
  const body = parseBody(text);
  if (!response.ok) {
    const vendor = context.classify?.(response.status, body) ?? {};
    const kind = vendor.kind ?? statusKind(response.status);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const message = vendor.message ?? describeBody(body) ?? response.statusText;
    throw new SttProviderError(`${context.provider} answered ${response.status}: ${message}`, {
      provider: context.provider,
      kind,
      status: response.status,
      ...(vendor.providerCode ? { providerCode: vendor.providerCode } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(requestId ? { requestId } : {}),
    });
  }
  if (typeof body !== 'object' || body === null) {
    throw malformed(context, text.trim() === '' ? 'empty body' : 'body is not JSON', requestId);
  }
  return { body, status: response.status, headers: response.headers, requestId };
}

/** Throws an `unsupported` error when `audio` exceeds a provider's documented limit. */
export function checkLimits(
  provider: string,
  audio: { data: Uint8Array; durationSeconds: number | undefined },
  limits: { maxBytes?: number; maxSeconds?: number },
): void {
  if (limits.maxBytes !== undefined && audio.data.byteLength > limits.maxBytes) {
    throw new SttProviderError(
      `${provider} accepts at most ${limits.maxBytes} bytes; this audio has ${audio.data.byteLength}`,
      { provider, kind: 'unsupported', providerCode: 'file_too_large' },
    );
  }
  if (
    limits.maxSeconds !== undefined &&
    audio.durationSeconds !== undefined &&
    audio.durationSeconds > limits.maxSeconds
  ) {
    throw new SttProviderError(
      `${provider} accepts at most ${limits.maxSeconds} s of audio; this audio lasts ${audio.durationSeconds.toFixed(1)} s`,
      { provider, kind: 'unsupported', providerCode: 'audio_too_long' },
    );
  }
}

/** Reads a finite number or returns `undefined`. */
export function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Asserts `value` is an object record, else throws a malformed-response error. */
export function record(context: HttpContext, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(context, `${what} is not an object`);
  return value as Record<string, unknown>;
}

/** Asserts `value` is an array (missing counts as empty), else throws a malformed-response error. */
export function list(context: HttpContext, value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformed(context, `${what} is not an array`);
  return value;
}
