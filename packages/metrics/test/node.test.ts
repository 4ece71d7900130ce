import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { instrumentHandler } from '@telltale/metrics/node';
import { close, createTestMeter, describeSeries, eventually, listen, send } from './support.js';

class DatabaseError extends Error {}

const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };

describe('instrumentHandler (node:http)', () => {
  it('records routes from getRoute, rejected handlers, body sizes and active requests', async () => {
    const meter = createTestMeter();
    const handler = instrumentHandler(
      async (request, response) => {
        await Promise.resolve();
        if (request.url === '/fail') throw new DatabaseError('down');
        response.setHeader('content-length', 5);
        response.end('hello');
      },
      {
        meterProvider: meter.meterProvider,
        getRoute: (request) => (request.url?.startsWith('/hello/') ? '/hello/:name' : undefined),
        recordBodySizes: true,
        activeRequests: true,
      },
    );
    const rejections: unknown[] = [];
    const server = createServer((request, response) => {
      (handler(request, response) as Promise<unknown>).catch((error: unknown) => {
        rejections.push(error);
        response.statusCode = 503;
        response.end('down');
      });
    });
    const url = await listen(server);
    try {
      expect((await send(`${url}/hello/ada`)).body).toBe('hello');
      expect((await send(`${url}/hello/grace`)).body).toBe('hello');
      expect((await send(`${url}/fail`)).status).toBe(503);
      const series = await eventually(
        () => meter.histogram('http.server.request.duration'),
        (value) => value.length === 2,
      );
      expect(describeSeries(series)).toEqual(
        describeSeries([
          { ...base, 'http.response.status_code': 200, 'http.route': '/hello/:name' },
          { ...base, 'http.response.status_code': 503, 'error.type': 'DatabaseError' },
        ]),
      );
      expect(rejections).toHaveLength(1);
      const sizes = await meter.histogram('http.server.response.body.size');
      expect(sizes.find((entry) => entry.attributes['http.route'] === '/hello/:name')).toMatchObject({
        count: 2,
        sum: 10,
      });
      const active = await meter.collect('http.server.active_requests');
      expect(active?.dataPoints.map((point) => point.value)).toEqual([0]);
    } finally {
      await close(server);
      await meter.shutdown();
    }
  });

  it('lets a synchronous throw propagate after recording it', async () => {
    const meter = createTestMeter();
    const handler = instrumentHandler(
      () => {
        throw new RangeError('bad');
      },
      { meterProvider: meter.meterProvider },
    );
    const thrown: unknown[] = [];
    const server = createServer((request, response) => {
      try {
        handler(request, response);
      } catch (error) {
        thrown.push(error);
        response.statusCode = 500;
        response.end();
      }
    });
    const url = await listen(server);
    try {
      await send(url);
      const series = await eventually(
        () => meter.histogram('http.server.request.duration'),
        (value) => value.length === 1,
      );
      expect(series[0]!.attributes['error.type']).toBe('RangeError');
      expect(thrown[0]).toBeInstanceOf(RangeError);
    } finally {
      await close(server);
      await meter.shutdown();
    }
  });
});
