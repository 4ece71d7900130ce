import type { IncomingMessage } from 'node:http';
import { hostnameOf, isLoopbackOrIpHost, TelltaleConfigError } from '@telltale/core';

/**
 * Which `Host` headers the dashboard's actions accept: `'all'`, or host
 * names (`'ops.example.com'`; a leading dot, `'.example.com'`, also
 * matches every subdomain). Loopback names, `*.localhost` and IP literals
 * are always accepted.
 *
 * @example
 * ```ts
 * import type { AllowedHosts } from '@telltale/dashboard';
 * const allowedHosts: AllowedHosts = ['ops.example.com', '.internal.example.com'];
 * ```
 */
export type AllowedHosts = readonly string[] | 'all';

const HOST_NAME = /^\.?[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$/;

/**
 * Validates `allowedHosts` and returns the check for a request. A page on a
 * rebound DNS name (`evil.example` resolving to 127.0.0.1) carries its own
 * name in `Host`, and its `Origin` matches that `Host`, so only this list
 * tells it apart from the dashboard's real names.
 */
export function createHostCheck(value: unknown): (request: IncomingMessage) => boolean {
  if (value === 'all') return () => true;
  const entries = value ?? [];
  if (
    !Array.isArray(entries) ||
    !entries.every((entry) => typeof entry === 'string' && HOST_NAME.test(entry.toLowerCase()))
  ) {
    throw new TelltaleConfigError({
      option: 'allowedHosts',
      value,
      expected: '"all" or an array of host names without port, e.g. ["ops.example.com", ".example.com"]',
    });
  }
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries as string[]) {
    const lower = entry.toLowerCase();
    if (lower.startsWith('.')) suffixes.push(lower);
    else exact.add(lower);
  }
  return (request) => {
    const host = request.headers.host;
    if (isLoopbackOrIpHost(host)) return true;
    const name = hostnameOf(host);
    if (name === undefined) return false;
    return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));
  };
}
