import type { IncomingMessage } from 'node:http';

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** `http.request.method`: the known methods as sent, anything else `_OTHER` (bounded cardinality). */
export function normalizeMethod(method: string | undefined): string {
  if (method !== undefined && KNOWN_METHODS.has(method)) return method;
  if (method !== undefined) {
    const upper = method.toUpperCase();
    if (KNOWN_METHODS.has(upper)) return upper;
  }
  return '_OTHER';
}

/** `network.protocol.version`: `1.0`, `1.1` or `2` (node reports HTTP/2 as `2.0`). */
export function protocolVersion(request: IncomingMessage): string {
  const version = request.httpVersion;
  return version === '2.0' ? '2' : version;
}

/** `url.scheme`, from the socket the server accepted (not from forwarded headers, which clients control). */
export function urlScheme(request: IncomingMessage): string {
  return (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http';
}

/**
 * `error.type` for a thrown value: its class name (bounded by the code base,
 * unlike messages), `_OTHER` for non-objects.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
  }
  return '_OTHER';
}
