/**
 * The `fetch` signature every Telltale channel and provider calls: always a
 * URL string and an init object. The global `fetch`, undici's and any wrapper
 * taking `(string | URL, RequestInit?)` are assignable to it; inject one for
 * proxies, custom agents or tests.
 *
 * @example
 * ```ts
 * import type { FetchFunction } from '@telltale/resilience';
 * const viaProxy: FetchFunction = (url, init) => fetch(url, { ...init, dispatcher: proxyAgent } as RequestInit);
 * slackChannel({ webhookUrl, fetch: viaProxy });
 * ```
 */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;
