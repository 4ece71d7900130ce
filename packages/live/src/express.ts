import type { Server } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { LiveHub } from './create-live-hub.js';

/**
 * Express middleware serving SSE and polling under the hub's `basePath`;
 * other requests pass to `next()`. Mount it at the app root (the topic is
 * read from `originalUrl`), and call {@link attachLive} with the HTTP server
 * for WebSocket.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createLiveHub } from '@telltale/live';
 * import { attachLive, expressLive } from '@telltale/live/express';
 *
 * const hub = createLiveHub({ topics: ['jobs/:jobId'], authorize: () => ({ allow: true, key: 'anonymous' }) });
 * const app = express();
 * app.use(expressLive(hub));
 * attachLive(hub, app.listen(3000));
 * ```
 */
export function expressLive(hub: LiveHub): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    hub.handler(request, response, next);
  };
}

/**
 * Serves WebSocket upgrades under the hub's `basePath` on the server
 * `app.listen()` returned, and closes the hub when the server closes.
 *
 * @example
 * ```ts
 * const server = app.listen(3000);
 * attachLive(hub, server);
 * ```
 */
export function attachLive(hub: LiveHub, server: Server): Server {
  const detach = hub.attach(server);
  server.once('close', () => {
    detach.dispose();
  });
  return server;
}
