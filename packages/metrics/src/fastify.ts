import type { FastifyPluginCallback } from 'fastify';
import { createHttpMetrics, type HttpMetrics, type HttpMetricsOptions } from './http-metrics.js';

/** Options of the {@link fastifyMetrics} plugin. */
export interface FastifyMetricsOptions extends HttpMetricsOptions {
  /** Record into this recorder instead of creating one. */
  metrics?: HttpMetrics;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` opts this route out of `@telltale/metrics`. */
    metrics?: boolean;
  }
  interface FastifyInstance {
    /** The `@telltale/metrics` recorder (for `snapshot()`). */
    httpMetrics: HttpMetrics;
  }
}

const plugin: FastifyPluginCallback<FastifyMetricsOptions> = (fastify, options, done) => {
  const metrics = options.metrics ?? createHttpMetrics(options);
  fastify.decorate('httpMetrics', metrics);
  fastify.addHook('onRequest', (request, reply, next) => {
    const routeOptions = request.routeOptions;
    if (routeOptions.config?.metrics !== false) {
      const handle = metrics.track(request.raw, reply.raw);
      // `url` is the route template; undefined when no route matched (404).
      if (handle !== undefined) handle.route = routeOptions.url;
    }
    next();
  });
  fastify.addHook('onError', (request, _reply, error, next) => {
    metrics.recordError(request.raw, error);
    next();
  });
  done();
};

// What fastify-plugin would set: hooks apply to the whole app, not just this
// plugin's encapsulation context, without a runtime dependency on it.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@telltale/metrics',
  [Symbol.for('plugin-meta')]: { name: '@telltale/metrics', fastify: '5.x' },
});

/**
 * Fastify 5 plugin recording `http.server.request.duration` with
 * `http.route` from `request.routeOptions.url`. Opt a route out with
 * `config: { metrics: false }`. Decorates the app with `httpMetrics`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { fastifyMetrics } from '@telltale/metrics/fastify';
 *
 * const app = Fastify();
 * await app.register(fastifyMetrics, { ignore: ['/metrics'] });
 * app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
 * app.get('/internal', { config: { metrics: false } }, async () => 'not recorded');
 * ```
 */
export const fastifyMetrics: FastifyPluginCallback<FastifyMetricsOptions> = plugin;
export default fastifyMetrics;
