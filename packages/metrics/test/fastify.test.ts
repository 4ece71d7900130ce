import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyMetrics } from '@telltale/metrics/fastify';
import { abortAfterSend, createTestMeter, describeSeries, eventually, randomPaths, send } from './support.js';

class BoomError extends Error {}

const DURATION = 'http.server.request.duration';
const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };
const ok = (route: string) => ({ ...base, 'http.response.status_code': 200, 'http.route': route });

describe('fastifyMetrics (Fastify 5)', () => {
  const meter = createTestMeter();
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    await app.register(fastifyMetrics, { meterProvider: meter.meterProvider, ignore: ['/metrics'] });
    app.get('/users/:id', (request) => ({ id: (request.params as { id: string }).id }));
    await app.register(
      (api, _options, done) => {
        api.register(
          (v1, _v1Options, v1Done) => {
            v1.get('/items/:itemId', () => 'item');
            v1Done();
          },
          { prefix: '/v1' },
        );
        done();
      },
      { prefix: '/api' },
    );
    app.get('/boom', () => Promise.reject(new BoomError('boom')));
    app.get('/teapot', (_request, reply) => reply.code(418).send('short and stout'));
    app.get('/hang', (_request, reply) => {
      reply.hijack();
      // Never answers: the client gives up.
    });
    app.get('/internal', { config: { metrics: false } }, () => 'not recorded');
    app.get('/metrics', () => '# metrics');
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app.close();
    await meter.shutdown();
  });

  it('records exactly the expected series for routes, prefixes, 404, thrown errors and aborts', async () => {
    expect((await send(`${url}/users/42`)).body).toBe('{"id":"42"}');
    expect((await send(`${url}/users/43`)).status).toBe(200);
    expect((await send(`${url}/api/v1/items/7`)).body).toBe('item');
    expect((await send(`${url}/boom`)).status).toBe(500);
    expect((await send(`${url}/teapot`)).status).toBe(418);
    expect((await send(`${url}/internal`)).status).toBe(200);
    expect((await send(`${url}/metrics`)).status).toBe(200);
    expect((await send(`${url}/nowhere/at/all`)).status).toBe(404);
    await abortAfterSend(`${url}/hang`);

    const series = await eventually(
      () => meter.histogram(DURATION),
      (value) => value.some((entry) => entry.attributes['error.type'] === 'aborted'),
    );
    expect(describeSeries(series)).toEqual(
      describeSeries([
        { ...base, 'error.type': 'BoomError', 'http.response.status_code': 500, 'http.route': '/boom' },
        { ...base, 'http.response.status_code': 418, 'http.route': '/teapot' },
        { ...base, 'error.type': 'aborted', 'http.route': '/hang' },
        ok('/api/v1/items/:itemId'),
        ok('/users/:id'),
        { ...base, 'http.response.status_code': 404 },
      ]),
    );
    expect(series.find((entry) => entry.attributes['http.route'] === '/users/:id')?.count).toBe(2);
  });

  it('adds no series for 10,000 random 404 paths', async () => {
    const before = describeSeries(await meter.histogram(DURATION));
    expect([...(await randomPaths(url, 10_000))]).toEqual([404]);
    const series = await meter.histogram(DURATION);
    expect(describeSeries(series)).toEqual(before);
    expect(series.find((entry) => entry.attributes['http.route'] === undefined)!.count).toBeGreaterThan(10_000);
  }, 60_000); // thousands of real requests: generous on a loaded CI machine

  it('exposes the recorder as app.httpMetrics', () => {
    const routes = app.httpMetrics.snapshot().routes;
    expect(routes.find((route) => route.route === '/users/:id')?.count).toBe(2);
  });
});
