import { describeError, formatDuration, redactSecrets, TelltaleError } from '@telltale/core';
import type { CliIo } from './io.js';

/**
 * The target did not answer (`TELLTALE_CLI_UNREACHABLE`): refused, DNS failure, reset, timed out.
 *
 * @example
 * ```ts
 * if (UnreachableError.is(error)) io.stdout(`unreachable: ${error.message}\n`);
 * ```
 */
export class UnreachableError extends TelltaleError {
  constructor(message: string) {
    super('TELLTALE_CLI_UNREACHABLE', message);
    this.name = 'UnreachableError';
  }

  /**
   * True when `error` is an unreachable-target error from any copy of `@telltale/cli`.
   *
   * @example
   * ```ts
   * UnreachableError.is(new UnreachableError('ECONNREFUSED')); // true
   * ```
   */
  static override is(error: unknown): error is UnreachableError {
    return TelltaleError.is(error, 'TELLTALE_CLI_UNREACHABLE');
  }
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
  return redactSecrets(cause?.code ?? cause?.message ?? describeError(error));
}
