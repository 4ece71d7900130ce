import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachLive } from '@telltale/live/express';
import { createExpressApp } from './app.js';
import { createObservability, type AppConfig } from './observability.js';
import { createReadings } from './readings.js';

/** Starts the Express app on `port` (0 = any free port) and returns its URL and a stopper. */
export async function startExpressApp(config: AppConfig, port = 0, host = '127.0.0.1') {
  const observability = createObservability(config);
  const readings = await createReadings(config, observability.health);
  const app = createExpressApp(config, observability, readings);
  const server: Server = app.listen(port, host);
  await once(server, 'listening');
  observability.health.manageServer(server);
  attachLive(observability.transcription.hub, server);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    observability,
    readings,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await readings?.close();
      await observability.close();
    },
  };
}
