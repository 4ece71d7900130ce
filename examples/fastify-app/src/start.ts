import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFastifyApp } from './app.js';
import type { AppConfig } from './config.js';
import { createObservability } from './observability.js';

/**
 * Starts the Fastify app on `port` (0 = any free port) and returns its URL
 * and a stopper that closes the server first, then the observability stack.
 */
export async function startFastifyApp(config: AppConfig, port = 0, host = '127.0.0.1') {
  const observability = createObservability(config);
  const app = await createFastifyApp(config, observability);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await observability.close();
    throw error;
  }
  const server: Server = app.server;
  observability.health.manageServer(server);
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${boundPort}`,
    app,
    server,
    observability,
    async close() {
      await app.close();
      await observability.close();
    },
  };
}
