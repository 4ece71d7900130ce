import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createHealthEndpoint, type HealthEndpointOptions } from './http-endpoint.js';
import type { HealthRegistry } from './registry-types.js';

/**
 * A node:http request listener serving only the health endpoints; anything
 * else gets a 404. Handy for a separate management port.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHealthRegistry } from '@telltale/health';
 * import { healthHandler } from '@telltale/health/node';
 *
 * const registry = createHealthRegistry();
 * createServer(healthHandler(registry)).listen(9000);
 * ```
 */
export function healthHandler(registry: HealthRegistry, options: HealthEndpointOptions = {}): RequestListener {
  return withHealth(notFound, registry, options);
}

/**
 * Wraps an application's request listener: health requests are answered,
 * everything else goes to `handler`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHealthRegistry } from '@telltale/health';
 * import { withHealth } from '@telltale/health/node';
 *
 * const registry = createHealthRegistry({ handleSignals: true });
 * const server = createServer(withHealth((request, response) => response.end('hello'), registry));
 * registry.manageServer(server);
 * server.listen(3000);
 * ```
 */
export function withHealth(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  registry: HealthRegistry,
  options: HealthEndpointOptions = {},
): RequestListener {
  const endpoint = createHealthEndpoint(registry, options);
  return (request, response) => {
    endpoint.handle(request, response).then(
      (handled) => {
        if (!handled) handler(request, response);
      },
      (error: unknown) => {
        // Only reachable through a bug: never leave the probe hanging.
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error instanceof Error ? error.name : 'Error');
      },
    );
  };
}

function notFound(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
}
