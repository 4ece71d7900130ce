import { createServer, type Server } from 'node:http';
import express from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMetrics } from '@telltale/metrics/express';
import { HTTP_DURATION_BUCKETS } from '@telltale/metrics';
import {
  abortAfterSend,
  close,
  createTestMeter,
  describeSeries,
  eventually,
  listen,
  randomPaths,
  send,
} from './support.js';

class BoomError extends Error {}

const DURATION = 'http.server.request.duration';
const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };
const ok = (route: string) => ({ ...base, 'http.response.status_code': 200, 'http.route': route });

for (const [major, create] of [
  ['5', express],
  ['4', express4],
] as const) {
  describe(`expressMetrics (Express ${major})`, () => {
    const meter = createTestMeter();
    let server: Server;
    let url: string;
    const middleware = expressMetrics({ meterProvider: meter.meterProvider, ignore: ['/metrics', '/health/*'] });

    beforeAll(async () => {
      const app = create();
      app.use(middleware);
      app.get('/users/:id', (request, response) => {
        response.json({ id: request.params.id });
      });
      const api = create.Router();
      const v1 = create.Router();
      v1.get('/items/:itemId', (_request, response) => {
        response.send('item');
      });
      v1.get('/fail/:code', () => {
        throw new BoomError('nested failure');
      });
      api.use('/v1', v1);
      api.get('/', (_request, response) => {
        response.send('api root');
      });
      app.use('/api', api);
      app.get('/boom', () => {
        throw new BoomError('boom');
      });
      app.get('/bad-gateway', (_request, response) => {
        response.status(502).send('upstream');
      });
      app.get('/hang', () => {
        // Never answers: the client gives up.
      });
      app.get('/metrics', (_request, response) => {
        response.send('# metrics');
      });
      app.get('/health/live', (_request, response) => {
        response.send('ok');
      });
      app.use(middleware.errorHandler);
      server = createServer(app);
      url = await listen(server);
    });

    afterAll(async () => {
      await close(server);
      await meter.shutdown();
    });

    it('records exactly the expected series for routes, nested routers, 404, thrown errors and aborts', async () => {
      expect((await send(`${url}/users/42`)).status).toBe(200);
      expect((await send(`${url}/users/43`)).status).toBe(200);
      expect((await send(`${url}/api/v1/items/7`)).body).toBe('item');
      expect((await send(`${url}/api`)).body).toBe('api root');
      expect((await send(`${url}/api/v1/fail/9`)).status).toBe(500);
      expect((await send(`${url}/boom`)).status).toBe(500);
      expect((await send(`${url}/bad-gateway`)).status).toBe(502);
      expect((await send(`${url}/nowhere/at/all`)).status).toBe(404);
      expect((await send(`${url}/metrics`)).status).toBe(200);
      expect((await send(`${url}/health/live`)).status).toBe(200);
      await abortAfterSend(`${url}/hang`);

      const series = await eventually(
        () => meter.histogram(DURATION),
        (value) => value.some((entry) => entry.attributes['error.type'] === 'aborted'),
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([
          { ...base, 'error.type': 'BoomError', 'http.response.status_code': 500, 'http.route': '/api/v1/fail/:code' },
          { ...base, 'error.type': 'BoomError', 'http.response.status_code': 500, 'http.route': '/boom' },
          { ...base, 'error.type': '502', 'http.response.status_code': 502, 'http.route': '/bad-gateway' },
          { ...base, 'error.type': 'aborted', 'http.route': '/hang' },
          ok('/api'),
          ok('/api/v1/items/:itemId'),
          ok('/users/:id'),
          { ...base, 'http.response.status_code': 404 },
        ]),
      );
      const users = series.find((entry) => entry.attributes['http.route'] === '/users/:id')!;
      expect(users.count).toBe(2);
      expect(users.boundaries).toEqual([...HTTP_DURATION_BUCKETS]);
      expect(users.sum).toBeGreaterThan(0);
      expect(users.sum).toBeLessThan(5);
    });

    it(`adds no series for ${major === '5' ? '10,000' : '2,000'} random 404 paths, and never uses a raw path as a label`, async () => {
      const before = describeSeries(await meter.histogram(DURATION));
      const statuses = await randomPaths(url, major === '5' ? 10_000 : 2_000);
      expect([...statuses]).toEqual([404]);
      const series = await meter.histogram(DURATION);
      expect(describeSeries(series)).toEqual(before);
      const unmatched = series.find((entry) => entry.attributes['http.route'] === undefined)!;
      expect(unmatched.count).toBeGreaterThanOrEqual(major === '5' ? 10_001 : 2_001);
      const routes = new Set(series.map((entry) => entry.attributes['http.route']));
      for (const route of routes) expect(route === undefined || !/\/scan\/|\/\d+$/.test(String(route))).toBe(true);
    }, 60_000); // thousands of real requests: generous on a loaded CI machine

    it('feeds snapshot() with the same routes', () => {
      const snapshot = middleware.metrics.snapshot();
      const users = snapshot.routes.find((route) => route.route === '/users/:id');
      expect(users).toMatchObject({ method: 'GET', count: 2, errorRatio: 0 });
      expect(users!.p50).toBeGreaterThan(0);
      const boom = snapshot.routes.find((route) => route.route === '/boom');
      expect(boom?.errorRatio).toBe(1);
    });
  });
}

describe('expressMetrics without the error middleware', () => {
  it('records a thrown error as its 5xx status', async () => {
    const meter = createTestMeter();
    const app = express4();
    app.use(expressMetrics({ meterProvider: meter.meterProvider }));
    app.get('/boom', () => {
      throw new BoomError('boom');
    });
    const server = createServer(app);
    const url = await listen(server);
    try {
      expect((await send(`${url}/boom`)).status).toBe(500);
      const series = await eventually(
        () => meter.histogram(DURATION),
        (value) => value.length > 0,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([{ ...base, 'error.type': '500', 'http.response.status_code': 500, 'http.route': '/boom' }]),
      );
    } finally {
      await close(server);
      await meter.shutdown();
    }
  });
});

describe('expressMetrics with a mounted sub-app', () => {
  for (const [major, create] of [
    ['5', express],
    ['4', express4],
  ] as const) {
    it(`records the sub-app's full route template (Express ${major})`, async () => {
      const meter = createTestMeter();
      const app = create();
      app.use(expressMetrics({ meterProvider: meter.meterProvider }));
      const admin = create();
      admin.get('/users/:id', (_request, response) => {
        response.send('admin');
      });
      app.use('/admin', admin);
      const server = createServer(app);
      const url = await listen(server);
      try {
        expect((await send(`${url}/admin/users/5`)).body).toBe('admin');
        const series = await eventually(
          () => meter.histogram(DURATION),
          (value) => value.length > 0,
        );
        expect(series.map((entry) => entry.attributes['http.route'])).toEqual(['/admin/users/:id']);
      } finally {
        await close(server);
        await meter.shutdown();
      }
    });
  }
});
