import { isIP } from 'node:net';

/**
 * The parts of a `node:http` `IncomingMessage` the loopback checks read.
 *
 * @example
 * ```ts
 * import type { RequestLike } from '@telltale/core';
 * const request: RequestLike = { headers: { host: 'localhost:3000' }, socket: { remoteAddress: '127.0.0.1' } };
 * ```
 */
export interface RequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly socket?: { readonly remoteAddress?: string | undefined } | null | undefined;
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);
// Any of these means a proxy stands in between: the socket's loopback address is the proxy's.
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'] as const;

/**
 * True for `127.0.0.0/8`, `::1` and their IPv4-mapped IPv6 forms.
 *
 * @example
 * ```ts
 * import { isLoopbackAddress } from '@telltale/core';
 * isLoopbackAddress('::ffff:127.0.0.1'); // true
 * isLoopbackAddress('10.0.0.5'); // false
 * ```
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * The host name of a `Host` header value, lower-cased, without port or
 * IPv6 brackets; `undefined` when absent or malformed.
 *
 * @example
 * ```ts
 * import { hostnameOf } from '@telltale/core';
 * hostnameOf('[::1]:3000'); // '::1'
 * hostnameOf('Ops.Example.com'); // 'ops.example.com'
 * ```
 */
export function hostnameOf(host: string | readonly string[] | undefined): string | undefined {
  if (typeof host !== 'string' || host === '' || host.length > 255) return undefined;
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    if (end === -1 || (end + 1 < lower.length && lower[end + 1] !== ':')) return undefined;
    const inner = lower.slice(1, end);
    return isIP(inner) === 6 ? inner : undefined;
  }
  const colon = lower.indexOf(':');
  const name = colon === -1 ? lower : lower.slice(0, colon);
  if (colon !== -1 && !/^\d{1,5}$/.test(lower.slice(colon + 1))) return undefined;
  return /^[a-z0-9.-]+$/.test(name) ? name.replace(/\.$/, '') : undefined;
}

/**
 * True when a `Host` header names this machine or a bare IP address — names
 * a DNS-rebinding page cannot make a browser send for its own origin.
 *
 * @example
 * ```ts
 * import { isLoopbackOrIpHost } from '@telltale/core';
 * isLoopbackOrIpHost('app.localhost:3000'); // true
 * isLoopbackOrIpHost('evil.example:3000'); // false
 * ```
 */
export function isLoopbackOrIpHost(host: string | readonly string[] | undefined): boolean {
  const name = hostnameOf(host);
  if (name === undefined) return false;
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost') || isIP(name) !== 0;
}

/**
 * True only for a request made directly from this machine: the socket's
 * peer is a loopback address, no proxy header (`Forwarded`,
 * `X-Forwarded-For`, `X-Real-IP`, `Via`) is present — a proxy on the same
 * host would otherwise make every visitor look local — and `Host` is absent
 * or a loopback name or IP, so a DNS-rebinding page in a local browser does
 * not pass. `X-Forwarded-For` is never trusted to *grant* access.
 *
 * @example
 * ```ts
 * import { isLoopbackRequest } from '@telltale/core';
 * const showDetails = isLoopbackRequest(request); // e.g. for a health endpoint's details
 * ```
 */
export function isLoopbackRequest(request: RequestLike): boolean {
  if (!isLoopbackAddress(request.socket?.remoteAddress)) return false;
  for (const header of PROXY_HEADERS) if (request.headers[header] !== undefined) return false;
  const host = request.headers.host;
  return host === undefined || isLoopbackOrIpHost(host);
}
