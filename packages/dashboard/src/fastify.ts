import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Dashboard } from './create-dashboard.js';

/**
 * Options of {@link fastifyDashboard}.
 *
 * @example
 * ```ts
 * import type { FastifyDashboardOptions } from '@telltale/dashboard/fastify';
 * const options: FastifyDashboardOptions = { dashboard };
 * ```
 */
export interface FastifyDashboardOptions {
  /** The dashboard to serve (its `path` decides the routes). */
  dashboard: Dashboard;
}

/**
 * Fastify plugin adding `GET`/`HEAD` routes `{path}` and `{path}/*` and
 * `POST {path}/actions/silence`. Replies are hijacked: the dashboard writes
 * to the raw response (the event stream stays open).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createDashboard } from '@telltale/dashboard';
 * import { fastifyDashboard } from '@telltale/dashboard/fastify';
 *
 * const dashboard = createDashboard({ sources: { health: () => registry.run() } });
 * const app = Fastify();
 * await app.register(fastifyDashboard, { dashboard });
 * await app.listen({ port: 3000 }); // http://localhost:3000/_telltale/
 * ```
 */
export const fastifyDashboard: FastifyPluginAsync<FastifyDashboardOptions> = (instance, options) => {
  const { dashboard } = options;
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.hijack();
    const handled = await dashboard.handle(request.raw, reply.raw, { body: request.body });
    if (!handled) reply.raw.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
  };
  const base = dashboard.path;
  if (base !== '') instance.get(base, handler);
  instance.get(`${base}/*`, handler);
  instance.post(`${base}/actions/silence`, handler);
  return Promise.resolve();
};
