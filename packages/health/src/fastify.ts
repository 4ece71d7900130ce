import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHealthEndpoint, type HealthEndpointOptions } from './http-endpoint.js';
import type { HealthRegistry } from './registry-types.js';

/**
 * Options of {@link fastifyHealth}.
 *
 * @example
 * ```ts
 * import type { FastifyHealthOptions } from '@telltale/health/fastify';
 * const options: FastifyHealthOptions = { registry, basePath: '/health', exposeDetails: 'never' };
 * ```
 */
export interface FastifyHealthOptions extends HealthEndpointOptions {
  /** The registry to serve. */
  registry: HealthRegistry;
}

/**
 * Fastify plugin adding GET (and HEAD) routes `{basePath}` and
 * `{basePath}/:segment` (`live`, `ready`, `startup`, a component or a tag).
 * `exposeDetails` receives the raw node request (`request.raw`).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createHealthRegistry } from '@telltale/health';
 * import { fastifyHealth } from '@telltale/health/fastify';
 *
 * const registry = createHealthRegistry({ handleSignals: true });
 * const app = Fastify();
 * await app.register(fastifyHealth, { registry });
 * await app.listen({ port: 3000 });
 * registry.manageServer(app.server);
 * ```
 */
export const fastifyHealth: FastifyPluginAsync<FastifyHealthOptions> = (instance, options) => {
  const { registry, ...endpointOptions } = options;
  const endpoint = createHealthEndpoint(registry, endpointOptions);
  const base = endpoint.basePath === '/' ? '' : endpoint.basePath;

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const segment = (request.params as { segment?: string }).segment;
    const queryAt = request.url.indexOf('?');
    const query = queryAt === -1 ? '' : request.url.slice(queryAt);
    // Rebuild the URL from the route so a plugin prefix does not have to match basePath.
    const url = `${segment === undefined ? endpoint.basePath : `${base}/${encodeURIComponent(segment)}`}${query}`;
    const answer = await endpoint.respond(request.raw, url);
    if (!answer) return reply.callNotFound();
    return reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
  };

  instance.get(endpoint.basePath, handler);
  instance.get(`${base}/:segment`, handler);
  return Promise.resolve();
};
