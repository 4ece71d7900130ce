import { createServer } from 'node:http';
import { metrics } from '@opentelemetry/api';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressMetrics } from '@telltale/metrics/express';
import { timed } from '@telltale/metrics';
import { close, createTestMeter, eventually, listen, send } from './support.js';

// This file runs in its own worker, so the global meter provider starts unset.
describe('without an OpenTelemetry SDK', () => {
  it('serves requests and records nothing, then records once a global SDK registers', async () => {
    const middleware = expressMetrics();
    const app = express();
    app.use(middleware);
    app.get('/users/:id', (_request, response) => {
      response.send('ok');
    });
    const server = createServer(app);
    const url = await listen(server);
    try {
      expect((await send(`${url}/users/1`)).body).toBe('ok');
      await expect(timed('job', () => 42)).resolves.toBe(42);
      expect(middleware.metrics.snapshot().routes).toEqual([]);

      const meter = createTestMeter();
      metrics.setGlobalMeterProvider(meter.meterProvider);
      try {
        expect((await send(`${url}/users/2`)).body).toBe('ok');
        await timed('job', () => 42);
        const series = await eventually(
          () => meter.histogram('http.server.request.duration'),
          (value) => value.length > 0,
        );
        expect(series.map((entry) => [entry.attributes['http.route'], entry.count])).toEqual([['/users/:id', 1]]);
        expect((await meter.histogram('telltale.operation.duration')).map((entry) => entry.count)).toEqual([1]);
      } finally {
        metrics.disable();
        await meter.shutdown();
      }
    } finally {
      await close(server);
    }
  });
});
