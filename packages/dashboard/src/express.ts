import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from './create-dashboard.js';

/**
 * An Express (4 or 5) middleware.
 *
 * @example
 * ```ts
 * import { expressDashboard, type ExpressDashboardMiddleware } from '@telltale/dashboard/express';
 * const middleware: ExpressDashboardMiddleware = expressDashboard(dashboard);
 * app.use(middleware);
 * ```
 */
export type ExpressDashboardMiddleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware serving the dashboard under its `path` (default
 * `/_telltale`) and passing every other request to `next()`. Mount it
 * with `app.use(expressDashboard(dashboard))`; under `app.use('/ops', ...)`
 * the full URL (`originalUrl`) must still start with `path`. A body
 * already parsed by `express.json()` is used for actions.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createDashboard } from '@telltale/dashboard';
 * import { expressDashboard } from '@telltale/dashboard/express';
 *
 * const dashboard = createDashboard({ sources: { health: () => registry.run() } });
 * const app = express();
 * app.use(expressDashboard(dashboard));
 * app.listen(3000); // http://localhost:3000/_telltale/
 * ```
 */
export function expressDashboard(dashboard: Dashboard): ExpressDashboardMiddleware {
  return (request, response, next) => {
    const body = (request as IncomingMessage & { body?: unknown }).body;
    // express.json() leaves `{}` when it did not parse anything; only a consumed stream means a parsed body.
    const parsed = request.readableEnded && body !== undefined ? body : undefined;
    dashboard.handle(request, response, { body: parsed }).then((handled) => {
      if (!handled) next();
    }, next);
  };
}
