import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Clock } from '@telltale/core';

/**
 * A node:http or node:https server whose in-flight requests can be drained.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:https';
 * registry.manageServer(createServer({ key, cert }, handler).listen(8443));
 * ```
 */
export type DrainableServer = HttpServer | HttpsServer;

/** Tracks a server's in-flight requests so shutdown can wait for them. */
export interface ServerDrain {
  /** Stops accepting, closes idle keep-alive sockets, waits for in-flight requests (up to `timeout`), then closes. */
  drain(timeout: number, clock: Clock): Promise<{ forced: number }>;
  dispose(): void;
}

/**
 * Counts in-flight requests per socket. While draining, every response asks
 * the client to close the connection and a socket is ended as soon as its
 * last request is answered, so keep-alive clients cannot hold shutdown open.
 */
export function trackServer(server: DrainableServer): ServerDrain {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  let onIdle: (() => void) | undefined;

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (draining && !response.headersSent) response.setHeader('connection', 'close');
    response.once('close', () => {
      const remaining = (inFlight.get(socket) ?? 1) - 1;
      if (remaining > 0) {
        inFlight.set(socket, remaining);
        return;
      }
      inFlight.delete(socket);
      if (!draining) return;
      socket.end();
      if (inFlight.size === 0) onIdle?.();
    });
  };
  server.prependListener('request', onRequest);

  return {
    drain(timeout, clock) {
      draining = true;
      return new Promise((resolve) => {
        let done = false;
        const finish = (forced: number): void => {
          if (done) return;
          done = true;
          clock.clearTimeout(timer);
          resolve({ forced });
        };
        const timer = clock.setTimeout(() => {
          const forced = inFlight.size;
          server.closeAllConnections();
          finish(forced);
        }, timeout);
        onIdle = () => finish(0);
        // close() stops accepting; its callback waits for every socket, which the timer bounds.
        server.close(() => finish(0));
        server.closeIdleConnections();
        if (inFlight.size === 0 && !server.listening) {
          // Nothing in flight: do not wait for idle sockets the client may hold.
          server.closeAllConnections();
          finish(0);
        }
      });
    },
    dispose() {
      server.removeListener('request', onRequest);
    },
  };
}
