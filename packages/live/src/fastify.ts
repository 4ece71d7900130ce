import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { LiveHub } from './create-live-hub.js';

/**
 * Options of {@link fastifyLive}.
 *
 * @example
 * ```ts
 * import type { FastifyLiveOptions } from '@telltale/live/fastify';
 * const options: FastifyLiveOptions = { hub, basePath: '/live' };
 * ```
 */
export interface FastifyLiveOptions {
  /** The hub to serve. */
  hub: LiveHub;
  /** The hub's `basePath` (default `'/live'`): the plugin routes `GET {basePath}/*` to it. */
  basePath?: string;
}

/**
 * Fastify plugin routing `GET {basePath}/*` to the hub (the reply is
 * hijacked: the hub writes SSE and polling answers on the raw response) and
 * serving WebSocket upgrades on `fastify.server`. Register it without a
 * prefix; the hub reads the topic from the full URL.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createLiveHub } from '@telltale/live';
 * import { fastifyLive } from '@telltale/live/fastify';
 *
 * const hub = createLiveHub({ authorize: () => ({ allow: true, key: 'anonymous' }) });
 * const app = Fastify();
 * await app.register(fastifyLive, { hub });
 * await app.listen({ port: 3000 });
 * ```
 */
export const fastifyLive: FastifyPluginAsync<FastifyLiveOptions> = (instance, options) => {
  const { hub } = options;
  const base = (options.basePath ?? '/live').replace(/\/+$/, '');
  const detach = hub.attach(instance.server);
  instance.addHook('onClose', (_instance, done) => {
    detach.dispose();
    done();
  });
  instance.get(`${base}/*`, (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    hub.handler(request.raw, reply.raw, () => {
      reply.raw.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      reply.raw.end('{"error":"not_found","message":"No such live topic"}');
    });
  });
  return Promise.resolve();
};
