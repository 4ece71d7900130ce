import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { LiveHub } from './create-live-hub.js';

/**
 * Wraps an application's request listener: live requests under the hub's
 * `basePath` are served, everything else goes to `handler` (404 without
 * one). Pass the server to also serve WebSocket upgrades.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createLiveHub } from '@telltale/live';
 * import { withLive } from '@telltale/live/node';
 *
 * const hub = createLiveHub({ authorize: () => ({ allow: true, key: 'anonymous' }) });
 * const server = createServer();
 * server.on('request', withLive(hub, (request, response) => response.end('hello'), server));
 * server.listen(3000);
 * ```
 */
export function withLive(
  hub: LiveHub,
  handler?: (request: IncomingMessage, response: ServerResponse) => void,
  server?: Pick<Server, 'on' | 'removeListener'>,
): RequestListener {
  if (server) hub.attach(server);
  return (request, response) => {
    hub.handler(request, response, handler ? () => handler(request, response) : undefined);
  };
}

/**
 * Creates a node:http server that serves only the hub (SSE, polling and
 * WebSocket); other paths answer 404.
 *
 * @example
 * ```ts
 * import { createLiveHub } from '@telltale/live';
 * import { createLiveServer } from '@telltale/live/node';
 *
 * const hub = createLiveHub({ authorize: () => ({ allow: true, key: 'anonymous' }) });
 * createLiveServer(hub).listen(3001);
 * ```
 */
export function createLiveServer(hub: LiveHub): Server {
  const server = createServer();
  server.on('request', withLive(hub, undefined, server));
  return server;
}
