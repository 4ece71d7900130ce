import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveHub, type LiveHub } from '@telltale/live';
import { attachLive, expressLive } from '@telltale/live/express';
import { fastifyLive } from '@telltale/live/fastify';
import { openSse, openWs, until } from './helpers.js';

const authorize = () => ({ allow: true as const, key: 'k' });

describe('framework adapters', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function exercise(hub: LiveHub, base: string): Promise<void> {
    const sse = await openSse(`${base}/live/jobs/1`);
    const ws = await openWs(`${base.replace('http', 'ws')}/live/jobs/1`);
    await until(() => hub.stats().connections === 2);
    await hub.publish('jobs/1', { type: 'progress', data: 5 });
    expect(await sse.waitFor(1)).toEqual([{ id: '1', event: 'progress', data: '5' }]);
    expect(await ws.waitFor(1)).toEqual([{ id: 1, type: 'progress', data: 5 }]);
    const poll = await fetch(`${base}/live/jobs/1?after=0`);
    expect(await poll.json()).toMatchObject({ events: [{ id: 1 }], lastId: 1 });
    sse.close();
    ws.socket.close();
  }

  it('Express: middleware for SSE and polling, attachLive for WebSocket, other routes untouched', async () => {
    const hub = createLiveHub({ authorize, topics: ['jobs/:jobId'] });
    const app = express();
    app.use(expressLive(hub));
    app.get('/hello', (_request, response) => {
      response.send('hi');
    });
    const server = attachLive(hub, app.listen(0, '127.0.0.1'));
    await new Promise((resolve) => server.once('listening', resolve));
    cleanups.push(async () => {
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await exercise(hub, base);
    expect(await (await fetch(`${base}/hello`)).text()).toBe('hi');
    expect((await fetch(`${base}/live/unknown`)).status).toBe(404);
  });

  it('Fastify: plugin with a hijacked reply and the upgrade on fastify.server', async () => {
    const hub = createLiveHub({ authorize, topics: ['jobs/:jobId'] });
    const app = Fastify();
    await app.register(fastifyLive, { hub });
    app.get('/hello', () => 'hi');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await hub.close();
      await app.close();
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await exercise(hub, base);
    expect(await (await fetch(`${base}/hello`)).text()).toBe('hi');
    const unknown = await fetch(`${base}/live/unknown`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  });
});
