import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHealthEndpoint, type HealthEndpointOptions } from './http-endpoint.js';
import type { HealthRegistry } from './registry-types.js';

/**
 * Express middleware serving `{basePath}`, `/live`, `/ready`, `/startup`,
 * `/{component}` and `/{tag}` (default base `/health`); other requests pass
 * to `next()`. `exposeDetails` receives the Express request.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createHealthRegistry } from '@telltale/health';
 * import { expressHealth } from '@telltale/health/express';
 *
 * const registry = createHealthRegistry({ handleSignals: true });
 * const app = express();
 * app.use(expressHealth(registry));
 * registry.manageServer(app.listen(3000));
 * ```
 */
export function expressHealth(registry: HealthRegistry, options: HealthEndpointOptions = {}): RequestHandler {
  const endpoint = createHealthEndpoint(registry, options);
  return (request: Request, response: Response, next: NextFunction): void => {
    // request.url is relative to the mount point, so app.use('/ops', expressHealth(...)) serves /ops/health.
    endpoint.handle(request, response, request.url).then((handled) => {
      if (!handled) next();
    }, next);
  };
}
