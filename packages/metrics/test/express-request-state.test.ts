// The Express middleware keeps its per-request state off the request and the
// response while Express has them (a property added to an Express request
// costs about 2 µs). These tests pin that down, and that apps which replace or
// share res.locals are recorded exactly.
import { createServer, type Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMetrics } from '@telltale/metrics/express';
import { createHttpMetrics, type HttpMetrics } from '@telltale/metrics';
import { close, createTestMeter, describeSeries, eventually, listen, send } from './support.js';

class BoomError extends Error {}

const DURATION = 'http.server.request.duration';
const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };

for (const [major, create] of [
  ['5', express],
  ['4', express4],
] as const) {
  describe(`expressMetrics keeps no state on the request (Express ${major})`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function start(
      setup: (app: ReturnType<typeof express>) => void,
      before?: (app: ReturnType<typeof express>) => void,
    ) {
      const meter = createTestMeter();
      const app = create();
      const middleware = expressMetrics({ meterProvider: meter.meterProvider });
      before?.(app);
      app.use(middleware);
      setup(app);
      app.use(middleware.errorHandler);
      const server: Server = createServer(app);
      const url = await listen(server);
      cleanups.push(async () => {
        await close(server);
        await meter.shutdown();
      });
      return { meter, url };
    }

    // Keys a middleware mounted before ours sees, and keys the route sees: ours must add none in between,
    // on the path node:http's announcement feeds (after the first recorded request of the process)
    // and on the fallback (a recorder without the internal hook, as any HttpMetrics passed in).
    for (const path of ['announced', 'fallback'] as const) {
      it(`adds no own property to the request or the response while Express handles it (${path})`, async () => {
        const seen: { request: (string | symbol)[]; response: (string | symbol)[] }[] = [];
        const keys = (request: Request, response: Response) => ({
          request: Reflect.ownKeys(request),
          response: Reflect.ownKeys(response),
        });
        const meter = createTestMeter();
        const inner = createHttpMetrics({ meterProvider: meter.meterProvider });
        const recorder: HttpMetrics =
          path === 'announced'
            ? inner
            : {
                start: inner.start,
                finish: inner.finish,
                track: inner.track,
                recordError: inner.recordError,
                snapshot: inner.snapshot,
                buckets: inner.buckets,
              };
        const app = create();
        app.use((request: Request, response: Response, next: NextFunction) => {
          seen.push(keys(request, response));
          next();
        });
        app.use(expressMetrics({ metrics: recorder }));
        app.get('/users/:id', (request: Request, response: Response) => {
          seen.push(keys(request, response));
          response.send('ok');
        });
        const server: Server = createServer(app);
        const url = await listen(server);
        cleanups.push(async () => {
          await close(server);
          await meter.shutdown();
        });
        for (let index = 0; index < 3; index++) expect((await send(`${url}/users/${index}`)).status).toBe(200);
        for (let index = 0; index < seen.length; index += 2) {
          const [before, after] = [seen[index]!, seen[index + 1]!];
          // Express itself adds `params` (and Express 4 `route`) once the route matches.
          const express = new Set(['params', 'route']);
          expect(after.request.filter((key) => !before.request.includes(key) && !express.has(String(key)))).toEqual([]);
          expect(after.response.filter((key) => !before.response.includes(key))).toEqual([]);
        }
        const series = await eventually(
          () => meter.histogram(DURATION),
          (value) => value[0]?.count === 3,
        );
        expect(describeSeries(series)).toEqual(
          describeSeries([{ ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' }]),
        );
      });
    }

    it('records routes and error classes when the app replaces res.locals', async () => {
      const { meter, url } = await start((app) => {
        app.use((_request: Request, response: Response, next: NextFunction) => {
          response.locals = { user: 'replaced' };
          next();
        });
        app.get('/users/:id', (_request: Request, response: Response) => {
          response.send('ok');
        });
        app.get('/boom', () => {
          throw new BoomError('boom');
        });
      });
      expect((await send(`${url}/users/7`)).status).toBe(200);
      expect((await send(`${url}/boom`)).status).toBe(500);
      const series = await eventually(
        () => meter.histogram(DURATION),
        (value) => value.length === 2,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([
          { ...base, 'error.type': 'BoomError', 'http.response.status_code': 500, 'http.route': '/boom' },
          { ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' },
        ]),
      );
    });

    it('keeps concurrent requests apart when the app shares one res.locals object', async () => {
      const shared = Object.create(null) as Record<string, unknown>;
      const arrived: (() => void)[] = [];
      const { meter, url } = await start(
        (app) => {
          // Both requests pass the metrics middleware before either reaches its route.
          app.use((_request: Request, _response: Response, next: NextFunction) => {
            arrived.push(next);
            if (arrived.length === 2) for (const release of arrived.splice(0)) release();
          });
          const nested = create.Router() as unknown as ReturnType<typeof express>;
          nested.get('/items/:id', (_request: Request, response: Response) => {
            response.send('ok');
          });
          app.use('/api', nested);
          app.get('/users/:id', (_request: Request, response: Response) => {
            response.send('ok');
          });
        },
        // Mounted before the metrics middleware, so both requests' handles go into one object.
        (app) =>
          app.use((_request: Request, response: Response, next: NextFunction) => {
            (response as unknown as { locals: object }).locals = shared;
            next();
          }),
      );
      const [first, second] = await Promise.all([send(`${url}/api/items/1`), send(`${url}/users/2`)]);
      expect([first.status, second.status]).toEqual([200, 200]);
      const series = await eventually(
        () => meter.histogram(DURATION),
        (value) => value.reduce((sum, entry) => sum + entry.count, 0) === 2,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([
          { ...base, 'http.response.status_code': 200, 'http.route': '/api/items/:id' },
          { ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' },
        ]),
      );
    });
  });
}
