// Debian's chromium, driven by playwright-core, runs @telltale/live/client
// against a real hub over each transport: receives events, survives the
// connection being cut, and resumes with exactly the missed events.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLiveHub, type LiveHub } from '@telltale/live';
import { withLive } from '@telltale/live/node';
import { missingPeer } from '../../../test-support/peers.js';
import { until } from './helpers.js';

const missing = missingPeer('chromium');

/** What the page script keeps on `window`. */
interface PageState {
  received: { id: number }[];
  states: string[];
}
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-quic',
];

// The client has no imports: transpiling the one file is its whole build.
const clientJs = ts.transpileModule(readFileSync(join(import.meta.dirname, '../src/client.ts'), 'utf8'), {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
}).outputText;

const page = (transport: string) => `<!doctype html><meta charset="utf-8"><title>live</title>
<script type="module">
  import { subscribe } from '/client.js';
  window.received = [];
  window.states = [];
  subscribe('/live/sessions/abc/status', (event) => window.received.push(event), {
    transports: ['${transport}'], types: ['progress'], initialDelay: 50, pollWait: 2,
    onStatus: (status) => window.states.push(status.state),
  });
</script>`;

describe.skipIf(missing)('browser client in chromium', () => {
  let browser: Browser;
  let server: Server;
  let hub: LiveHub;
  let base: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    hub = createLiveHub({ topics: ['sessions/:id/status'], authorize: () => ({ allow: true, key: 'browser' }) });
    server = createServer();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on(
      'request',
      withLive(
        hub,
        (request, response) => {
          if (request.url === '/client.js') {
            response.writeHead(200, { 'content-type': 'text/javascript' }).end(clientJs);
            return;
          }
          const transport = new URL(request.url ?? '/', 'http://x').searchParams.get('transport') ?? 'sse';
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(transport));
        },
        server,
      ),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    server?.closeAllConnections();
    server?.close();
  });

  for (const transport of ['sse', 'websocket', 'polling'] as const) {
    it(`receives events over ${transport} and resumes exactly after the connection is cut`, async () => {
      const context = await browser.newContext();
      onTestFinished(() => context.close());
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on('pageerror', (error) => problems.push(error.message));
      await tab.goto(`${base}/?transport=${transport}`);
      const topic = 'sessions/abc/status';
      const received = () => tab.evaluate(() => (globalThis as unknown as PageState).received);
      await tab.waitForFunction(() => (globalThis as unknown as PageState).states.includes('open'));
      await until(() => hub.stats().topics === 1, 5000, 'the browser stream');
      const first = await hub.publish(topic, { type: 'progress', data: { percent: 10 } });
      await tab.waitForFunction((id) => (globalThis as unknown as PageState).received.some((e) => e.id === id), first);
      // Cut every socket (the page's included), publish while it is away.
      for (const socket of sockets) socket.destroy();
      // Two events: a resume must bring both (a plain reconnect would replay only the latest).
      const skipped = await hub.publish(topic, { type: 'progress', data: { percent: 15 } });
      const missed = await hub.publish(topic, { type: 'progress', data: { percent: 20 } });
      await tab.waitForFunction(
        (id) => (globalThis as unknown as PageState).received.some((e) => e.id === id),
        missed,
        {
          timeout: 10_000,
        },
      );
      const events = await received();
      expect(events.filter((event) => event.id >= first)).toEqual([
        { id: first, type: 'progress', data: { percent: 10 } },
        { id: skipped, type: 'progress', data: { percent: 15 } },
        { id: missed, type: 'progress', data: { percent: 20 } },
      ]);
      expect(problems).toEqual([]);
    }, 30_000);
  }
});
