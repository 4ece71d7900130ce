import { options as validate, redactSecrets, TelltaleConfigError } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';

/**
 * Options of {@link httpCheck}.
 *
 * @example
 * ```ts
 * import type { HttpCheckOptions } from '@telltale/health';
 * const options: HttpCheckOptions = { method: 'HEAD', expectStatus: (status) => status === 204 };
 * ```
 */
export interface HttpCheckOptions {
  /** Default `GET`. */
  method?: string;
  /** Extra request headers (e.g. an API key); never shown in output. Credentials in the URL become Basic auth. */
  headers?: Record<string, string>;
  /** Which response statuses pass. Default: 200–399. */
  expectStatus?: (status: number) => boolean;
  /** A `fetch` implementation. Default: the global one. */
  fetch?: typeof fetch;
}

/**
 * Checks that an HTTP dependency answers: `pass` when the status is expected,
 * `fail` otherwise or on a network error. Observes the response time in ms.
 *
 * @example
 * ```ts
 * import { httpCheck } from '@telltale/health';
 * registry.register('payments', httpCheck('http://payments.internal/health'), { interval: '10s' });
 * ```
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): HealthCheck & HealthCheckDefaults {
  let target: URL;
  try {
    target = new URL(url);
  } catch (error) {
    throw new TelltaleConfigError(
      { option: 'httpCheck.url', value: String(url), expected: 'an absolute URL' },
      { cause: error },
    );
  }
  validate.object('httpCheck options', options);
  const method = validate.nonEmptyString('httpCheck.method', options.method, 'GET').toUpperCase();
  const expectStatus =
    validate.optionalFunction<(status: number) => boolean>('httpCheck.expectStatus', options.expectStatus) ??
    ((status: number) => status >= 200 && status < 400);
  const fetchFunction = validate.optionalFunction<typeof fetch>('httpCheck.fetch', options.fetch) ?? fetch;
  const shown = redactSecrets(target.href);
  const headers = new Headers(options.headers);
  if (target.username !== '' || target.password !== '') {
    // fetch refuses URLs with credentials: send them as Basic auth instead.
    const credentials = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    if (!headers.has('authorization'))
      headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    target = new URL(target.href);
    target.username = '';
    target.password = '';
  }

  const check = async ({ signal }: { signal: AbortSignal }) => {
    const started = performance.now();
    const response = await fetchFunction(target, { method, headers, signal, redirect: 'manual' });
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    const elapsed = Math.round((performance.now() - started) * 100) / 100;
    if (expectStatus(response.status)) return { status: 'pass' as const, observedValue: elapsed, observedUnit: 'ms' };
    return {
      status: 'fail' as const,
      observedValue: elapsed,
      observedUnit: 'ms',
      output: `${method} ${shown} answered ${response.status}`,
    };
  };
  return Object.assign(check, { measurement: 'responseTime', componentType: 'component' });
}
