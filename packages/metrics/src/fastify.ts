import type { FastifyPluginCallback } from 'fastify';
import { createHttpMetrics, type HttpMetrics, type HttpMetricsOptions } from './http-metrics.js';
import { runWithRequestTiming } from './server-timing/request-timing.js';
import { timeResponse } from './server-timing/response-header.js';

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

/**
 * Opt-in Fastify 5 plugin adding a `Server-Timing` header
 * (`total;dur=…, db;dur=…, cache;dur=…`) to every reply, with the time
 * `addRequestTiming` callers (`cacheMetrics`, `instrumentPool`, your code)
 * reported inside that request only. Applies to the whole app.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { serverTiming } from '@telltale/metrics/fastify';
 *
 * const app = Fastify();
 * await app.register(serverTiming());
 * ```
 */
export function serverTiming(): FastifyPluginCallback {
  const timingPlugin: FastifyPluginCallback = (fastify, _options, done) => {
    // Hooks, body parsing and the handler all continue inside this scope.
    fastify.addHook('onRequest', (_request, reply, next) => runWithRequestTiming(timeResponse(reply.raw), next));
    done();
  };
  return Object.assign(timingPlugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@telltale/metrics/server-timing',
    [Symbol.for('plugin-meta')]: { name: '@telltale/metrics/server-timing', fastify: '5.x' },
  });
}

export default fastifyMetrics;
