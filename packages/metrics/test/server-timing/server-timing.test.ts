import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { addRequestTiming } from '@telltale/metrics';
import { serverTiming as expressServerTiming } from '@telltale/metrics/express';
import { serverTiming as fastifyServerTiming } from '@telltale/metrics/fastify';
import { serverTiming as nodeServerTiming } from '@telltale/metrics/node';
import {
  addToRequestTiming,
  createRequestTiming,
  currentRequestTiming,
  formatServerTiming,
  runWithRequestTiming,
} from '../../src/server-timing/request-timing.js';
import { close, listen } from '../support.js';

const CONCURRENT = 12;

/** Holds every request until all `count` have arrived, so their scopes truly overlap. */
function barrier(count: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++arrived === count) release();
    await all;
  };
}

// Request `id` reports db = 2 * id ms and cache = id / 2 ms, across awaits and
// in an order that differs between requests.
async function work(id: number, wait: () => Promise<void>): Promise<void> {
  addRequestTiming('db', id);
  await wait();
  await sleep((CONCURRENT - id) * 3);
  addRequestTiming('cache', id / 2);
  await new Promise((resolve) => setImmediate(resolve));
  addRequestTiming('db', id);
}

function parse(header: string | null): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const [name, duration] = part.trim().split(';dur=');
    if (name) result[name] = Number(duration);
  }
  return result;
}

async function fireConcurrent(url: string, init?: RequestInit): Promise<Array<Record<string, number>>> {
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, index) => fetch(`${url}/work/${index + 1}`, init)),
  );
  return await Promise.all(
    responses.map(async (response) => {
      expect(response.status).toBe(200);
      await response.text();
      return parse(response.headers.get('server-timing'));
    }),
  );
}

function expectOwnTimings(timings: Array<Record<string, number>>): void {
  timings.forEach((timing, index) => {
    const id = index + 1;
    expect(timing.db).toBe(2 * id);
    expect(timing.cache).toBe(id / 2);
    // `total` covers at least the sleeps of this request.
    expect(timing.total).toBeGreaterThanOrEqual((CONCURRENT - id) * 3 - 1);
  });
}

let servers: Server[] = [];
let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => close(server)));
  await Promise.all(apps.map((app) => app.close()));
  servers = [];
  apps = [];
});

describe('serverTiming', () => {
  it('does nothing outside a request scope', () => {
    addRequestTiming('db', 5);
    expect(currentRequestTiming()).toBeUndefined();
  });

  it('adds to a record captured in the scope from callbacks that run outside it', async () => {
    const timing = createRequestTiming();
    const captured = runWithRequestTiming(timing, () => currentRequestTiming());
    expect(captured).toBe(timing);
    // As a driver callback would, after the scope is gone.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(currentRequestTiming()).toBeUndefined();
    addToRequestTiming(captured, 'db', 2);
    addToRequestTiming(captured, 'db', 3);
    addToRequestTiming(undefined, 'db', 4);
    expect(formatServerTiming(timing, timing.startedAt + 10)).toBe('total;dur=10.0, db;dur=5.0');
  });

  it('formats total first, skips names that are not HTTP tokens and ignores bad durations', () => {
    const timing = { startedAt: 0, names: ['db', 'bad name', 'cache'], milliseconds: [1.25, 3, 0.04] };
    expect(formatServerTiming(timing, 10)).toBe('total;dur=10.0, db;dur=1.3, cache;dur=0.0');
  });

  it('keeps concurrent node:http requests apart', async () => {
    const wait = barrier(CONCURRENT);
    const server = createServer(
      nodeServerTiming(async (request: IncomingMessage, response: ServerResponse) => {
        await work(Number(request.url!.split('/')[2]), wait);
        response.end('ok');
      }),
    );
    servers.push(server);
    expectOwnTimings(await fireConcurrent(await listen(server)));
  });

  it('keeps concurrent Express requests apart through a body parser', async () => {
    const wait = barrier(CONCURRENT);
    const app = express();
    app.use(expressServerTiming());
    app.use(express.json());
    app.post('/work/:id', async (request, response) => {
      expect(request.body).toEqual({ id: Number(request.params.id) });
      await work(Number(request.params.id), wait);
      response.setHeader('Server-Timing', 'app;desc="kept"');
      response.json({ ok: true });
    });
    const server = createServer(app);
    servers.push(server);
    const url = await listen(server);
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, index) =>
        fetch(`${url}/work/${index + 1}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: index + 1 }),
        }),
      ),
    );
    const headers = await Promise.all(
      responses.map(async (response) => {
        expect(response.status).toBe(200);
        await response.text();
        return response.headers.get('server-timing');
      }),
    );
    for (const header of headers) expect(header).toMatch(/^app;desc="kept", total;dur=/);
    expectOwnTimings(headers.map((header) => parse(header!.replace('app;desc="kept", ', ''))));
  });

  it('keeps concurrent Fastify requests apart, with a parsed body', async () => {
    const wait = barrier(CONCURRENT);
    const app = Fastify();
    apps.push(app);
    await app.register(fastifyServerTiming());
    app.post('/work/:id', async (request) => {
      const id = Number((request.params as { id: string }).id);
      expect(request.body).toEqual({ id });
      await work(id, wait);
      return { ok: true };
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const timings = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, index) => {
        const response = await fetch(`${url}/work/${index + 1}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: index + 1 }),
        });
        expect(response.status).toBe(200);
        await response.text();
        return parse(response.headers.get('server-timing'));
      }),
    );
    expectOwnTimings(timings);
  });

  it('sends only total when nothing was reported, and no header without the middleware', async () => {
    const app = express();
    app.get('/timed', expressServerTiming(), (_request, response) => response.send('ok'));
    app.get('/plain', (_request, response) => {
      addRequestTiming('db', 3);
      response.send('ok');
    });
    const server = createServer(app);
    servers.push(server);
    const url = await listen(server);
    const timed = await fetch(`${url}/timed`);
    expect(timed.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d$/);
    const plain = await fetch(`${url}/plain`);
    expect(plain.headers.get('server-timing')).toBeNull();
  });
});
