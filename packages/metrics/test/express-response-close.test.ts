// On a root Express app the middleware learns of `close` through the app's
// response prototype instead of a listener per response (a listener costs
// about 1 µs on an Express response). These tests pin that down, and that
// responses the hook cannot see (a sub-app's, once the request leaves it) are
// still recorded.
import { createServer, ServerResponse, type Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMetrics } from '@telltale/metrics/express';
import { close, createTestMeter, describeSeries, eventually, listen, send } from './support.js';

const DURATION = 'http.server.request.duration';
const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };
type App = ReturnType<typeof express>;

for (const [major, create] of [
  ['5', express],
  ['4', express4],
] as const) {
  describe(`expressMetrics and the response's close (Express ${major})`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function serve(app: App): Promise<string> {
      const server: Server = createServer(app);
      const url = await listen(server);
      cleanups.push(() => close(server));
      return url;
    }

    function meter() {
      const created = createTestMeter();
      cleanups.push(() => created.shutdown());
      return created;
    }

    // Listeners a middleware mounted before ours sees, and those the route sees. The first request
    // of the process takes the prototype hook; later ones node:http's announcement, whose
    // listener is attached before Express has the response.
    it('adds no close listener to the responses of a root app while Express has them', async () => {
      const counts: [number, number][] = [];
      let before = 0;
      const test = meter();
      const app = create();
      app.use((_request: Request, response: Response, next: NextFunction) => {
        before = response.listenerCount('close');
        next();
      });
      app.use(expressMetrics({ meterProvider: test.meterProvider }));
      app.get('/users/:id', (_request: Request, response: Response) => {
        counts.push([before, response.listenerCount('close')]);
        response.send('ok');
      });
      const url = await serve(app);
      for (let index = 0; index < 3; index++) await send(`${url}/users/${index}`);
      expect(counts).toHaveLength(3);
      for (const [atEntry, inRoute] of counts) expect(inRoute).toBe(atEntry);
      const series = await eventually(
        () => test.histogram(DURATION),
        (value) => value[0]?.count === 3,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([{ ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' }]),
      );
    });

    it('records requests that leave a sub-app carrying the middleware unanswered', async () => {
      const test = meter();
      const app = create();
      const sub = create();
      sub.use(expressMetrics({ meterProvider: test.meterProvider }));
      sub.get('/inside/:id', (_request: Request, response: Response) => {
        response.send('inside');
      });
      app.use('/sub', sub);
      app.get('/sub/after', (_request: Request, response: Response) => {
        response.send('answered by the parent');
      });
      const url = await serve(app);
      expect((await send(`${url}/sub/inside/1`)).body).toBe('inside');
      expect((await send(`${url}/sub/after`)).body).toBe('answered by the parent');
      expect((await send(`${url}/sub/nowhere`)).status).toBe(404);
      const series = await eventually(
        () => test.histogram(DURATION),
        (value) => value.reduce((sum, entry) => sum + entry.count, 0) === 3,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([
          { ...base, 'http.response.status_code': 200, 'http.route': '/sub/after' },
          { ...base, 'http.response.status_code': 200, 'http.route': '/sub/inside/:id' },
          { ...base, 'http.response.status_code': 404 },
        ]),
      );
    });

    it("still runs a patch of ServerResponse's emit made after the middleware saw its first request", async () => {
      const test = meter();
      const app = create();
      app.use(expressMetrics({ meterProvider: test.meterProvider }));
      app.get('/users/:id', (_request: Request, response: Response) => {
        response.send('ok');
      });
      const url = await serve(app);
      await send(`${url}/users/1`);
      const original = ServerResponse.prototype.emit;
      const seen: string[] = [];
      ServerResponse.prototype.emit = function emit(this: ServerResponse, event: string | symbol, ...args: unknown[]) {
        if (event === 'close') seen.push(this.req.url ?? '');
        return original.call(this, event, ...args);
      } as typeof original;
      cleanups.push(() => {
        ServerResponse.prototype.emit = original;
      });
      await send(`${url}/users/2`);
      expect(
        await eventually(
          () => Promise.resolve(seen),
          (value) => value.includes('/users/2'),
        ),
      ).toContain('/users/2');
      const series = await eventually(
        () => test.histogram(DURATION),
        (value) => value[0]?.count === 2,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([{ ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' }]),
      );
    });
  });
}
