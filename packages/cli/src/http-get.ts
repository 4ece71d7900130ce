import { formatDuration, redactSecrets } from '@telltale/core';
import type { CliIo } from './io.js';

/** The target did not answer: refused, DNS failure, reset, timed out. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** A fetched response with its body read. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  contentType: string;
  text: string;
  elapsedMilliseconds: number;
}

/**
 * GETs `url` within `timeout` milliseconds. Credentials in the URL are sent
 * as Basic auth (fetch refuses them in the URL) and never printed.
 */
export async function httpGet(url: URL, options: { timeout: number; accept: string; io: CliIo }): Promise<HttpAnswer> {
  const target = new URL(url);
  const headers = new Headers({ accept: options.accept });
  if (target.username !== '' || target.password !== '') {
    const credentials = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    target.username = '';
    target.password = '';
  }
  const started = performance.now();
  try {
    const response = await (options.io.fetch ?? fetch)(target, {
      headers,
      signal: AbortSignal.timeout(options.timeout),
    });
    const text = await response.text();
    return {
      status: response.status,
      ok: response.ok,
      contentType: response.headers.get('content-type') ?? '',
      text,
      elapsedMilliseconds: Math.round(performance.now() - started),
    };
  } catch (error) {
    throw new UnreachableError(describeFailure(error, options.timeout));
  }
}

/** The URL as it may be printed: without credentials or secret-looking query values. */
export function displayUrl(url: URL): string {
  return redactSecrets(url.href);
}

function describeFailure(error: unknown, timeout: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${formatDuration(timeout)}`;
  }
  // undici reports the useful part (ECONNREFUSED, ENOTFOUND) as the cause of "fetch failed".
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return redactSecrets(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
}
