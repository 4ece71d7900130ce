import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from './create-dashboard.js';

/**
 * A plain `node:http` request listener.
 *
 * @example
 * ```ts
 * import type { RequestListener } from '@telltale/dashboard/node';
 * const app: RequestListener = (request, response) => response.end('hello');
 * ```
 */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Wraps a `node:http` request listener so requests under the dashboard's
 * `path` reach the dashboard and everything else reaches `listener`
 * (default: 404).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createDashboard } from '@telltale/dashboard';
 * import { withDashboard } from '@telltale/dashboard/node';
 *
 * const dashboard = createDashboard({ sources: { health: () => registry.run() } });
 * createServer(withDashboard(dashboard, (request, response) => response.end('hello'))).listen(3000);
 * ```
 */
export function withDashboard(dashboard: Dashboard, listener?: RequestListener): RequestListener {
  return (request, response) => {
    dashboard.handle(request, response).then(
      (handled) => {
        if (handled) return;
        if (listener) return listener(request, response);
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
      },
      // handle() answers its own errors; this only guards a failing listener.
      () => {
        if (!response.headersSent) response.writeHead(500).end();
      },
    );
  };
}
