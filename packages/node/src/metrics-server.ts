import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A dedicated node:http server exposing only the metrics endpoint. */
export interface MetricsServer {
  /** Resolves with the URL of the endpoint once listening. */
  readonly listening: Promise<string>;
  close(): Promise<void>;
}

export function startMetricsServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  options: { port: number; host: string; endpoint: string },
): MetricsServer {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== options.endpoint || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.statusCode = 404;
      response.end('Not found\n');
      return;
    }
    handler(request, response);
  });
  // Scrapes come every few seconds; don't let idle keep-alive sockets hold shutdown.
  server.keepAliveTimeout = 5_000;
  const listening = new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${host}:${address.port}${options.endpoint}`);
    });
  });
  server.unref();
  return {
    listening,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
