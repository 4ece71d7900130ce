// Once a recorder has recorded one request, the Express middleware starts
// requests from node:http's announcement (the diagnostics channel
// `http.server.request.start`): the duration then counts from when node:http
// parsed the request, as OpenTelemetry's http instrumentation measures it, and
// servers no recorder claims are left as they were.
import { createServer, type Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMetrics } from '@telltale/metrics/express';
import { instrumentHandler } from '@telltale/metrics/node';
import { close, createTestMeter, describeSeries, eventually, listen, send } from './support.js';

const DURATION = 'http.server.request.duration';
const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };
const DELAY_MS = 60;

describe('expressMetrics started from node:http announcements', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function serve(server: Server): Promise<string> {
    const url = await listen(server);
    cleanups.push(() => close(server));
    return url;
  }

  // First in this file (its own worker): it needs a request from before any server is watched.
  it('leaves servers it does not claim as they were, and records claimed requests once', async () => {
    const meter = createTestMeter();
    cleanups.push(() => meter.shutdown());
    const app = express();
    app.use(expressMetrics({ meterProvider: meter.meterProvider }));
    app.get('/users/:id', (_request: Request, response: Response) => {
      response.send('ok');
    });
    const expressUrl = await serve(createServer(app));
    const other = createTestMeter();
    cleanups.push(() => other.shutdown());
    const handler = instrumentHandler(
      (_request, response) => {
        response.end('plain');
      },
      { meterProvider: other.meterProvider, getRoute: () => '/plain' },
    );
    const plainUrl = await serve(createServer(handler));
    const listeners: number[] = [];
    const untouched = await serve(
      createServer((_request, response) => {
        listeners.push(response.listenerCount('close') + response.listenerCount('finish'));
        response.end('untouched');
      }),
    );
    for (let index = 0; index < 3; index++) {
      // The untouched server first: its first request comes before this process watches any server.
      expect((await send(`${untouched}/x`)).body).toBe('untouched');
      expect((await send(`${expressUrl}/users/${index}`)).body).toBe('ok');
      expect((await send(`${plainUrl}/anything`)).body).toBe('plain');
    }
    const ours = await eventually(
      () => meter.histogram(DURATION),
      (value) => value[0]?.count === 3,
    );
    expect(ours.map((entry) => [entry.attributes['http.route'], entry.count])).toEqual([['/users/:id', 3]]);
    const plain = await eventually(
      () => other.histogram(DURATION),
      (value) => value[0]?.count === 3,
    );
    expect(plain.map((entry) => [entry.attributes['http.route'], entry.count])).toEqual([['/plain', 3]]);
    // The same listeners before the Express server's requests were first announced and after.
    expect(new Set(listeners).size).toBe(1);
  });

  it('counts from the announcement once watching, including middleware mounted before it', async () => {
    const meter = createTestMeter();
    cleanups.push(() => meter.shutdown());
    const app = express();
    // Busy, not sleeping: the time is spent before our middleware runs.
    app.use((_request: Request, _response: Response, next: NextFunction) => {
      const until = performance.now() + DELAY_MS;
      while (performance.now() < until);
      next();
    });
    app.use(expressMetrics({ meterProvider: meter.meterProvider, ignore: ['/metrics'] }));
    app.get('/users/:id', (_request: Request, response: Response) => {
      response.send('ok');
    });
    const url = await serve(createServer(app));
    expect((await send(`${url}/users/1`)).status).toBe(200); // the fallback path, which starts watching
    const first = await eventually(
      () => meter.histogram(DURATION),
      (value) => value[0]?.count === 1,
    );
    expect(first[0]!.sum).toBeLessThan(DELAY_MS / 1000);
    expect((await send(`${url}/users/2`)).status).toBe(200);
    expect((await send(`${url}/metrics`)).status).toBe(404); // ignored on the announced path too
    const series = await eventually(
      () => meter.histogram(DURATION),
      (value) => value.reduce((sum, entry) => sum + entry.count, 0) === 2,
    );
    expect(describeSeries(series)).toEqual(
      describeSeries([{ ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' }]),
    );
    expect(series[0]!.sum - first[0]!.sum).toBeGreaterThanOrEqual(DELAY_MS / 1000);
  });
});

describe('expressMetrics mounted under a path', () => {
  it('applies `ignore` to the path it sees on every request, announced or not', async () => {
    const meter = createTestMeter();
    const app = express();
    app.use('/api', expressMetrics({ meterProvider: meter.meterProvider, ignore: ['/health'] }));
    app.get('/api/health', (_request: Request, response: Response) => {
      response.send('ok');
    });
    app.get('/api/users/:id', (_request: Request, response: Response) => {
      response.send('user');
    });
    const server = createServer(app);
    const url = await listen(server);
    try {
      for (let index = 0; index < 3; index++) {
        expect((await send(`${url}/api/health`)).body).toBe('ok');
        expect((await send(`${url}/api/users/${index}`)).body).toBe('user');
      }
      const series = await eventually(
        () => meter.histogram(DURATION),
        (value) => value.reduce((sum, entry) => sum + entry.count, 0) >= 3,
      );
      expect(series.map((entry) => [entry.attributes['http.route'], entry.count])).toEqual([['/api/users/:id', 3]]);
    } finally {
      await close(server);
      await meter.shutdown();
    }
  });
});
