// `meterProvider: false` (issue #22): HTTP, operation, cache and pool metrics record nothing and
// ask no provider for a meter, while a real SDK provider is the global one. This file registers
// a global provider: it runs in its own worker.
import { createServer } from 'node:http';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import express from 'express';
import pg from 'pg';
import { cacheMetrics, createOperationMetrics } from '@telltale/metrics';
import { expressMetrics } from '@telltale/metrics/express';
import { instrumentPool } from '@telltale/metrics/pg';
import { afterAll, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';
import { instrumentsNamed, watchScopes } from '../../../test-support/meter-scopes.js';
import { close, listen, send } from './support.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const sdk = new MeterProvider({ readers: [reader] });
const spy = watchScopes(sdk);
metrics.setGlobalMeterProvider(spy.provider);
afterAll(async () => {
  metrics.disable();
  await sdk.shutdown();
});

const PREFIXES = ['http.', 'db.', 'telltale.'];

/** One request through the Express middleware, one timed operation, cache lookups, a pool. */
async function exercise(meterProvider: false | undefined): Promise<void> {
  const options = meterProvider === false ? { meterProvider } : {};
  const middleware = expressMetrics(options);
  const app = express();
  app.use(middleware);
  app.get('/users/:id', (_request, response) => {
    response.send('ok');
  });
  const server = createServer(app);
  const url = await listen(server);
  const pool = new pg.Pool({ max: 1 }); // never connects: only its state gauges are read
  const instrumented = instrumentPool(pool, { name: 'readings', ...options });
  try {
    expect((await send(`${url}/users/1`)).body).toBe('ok');
    await expect(createOperationMetrics(options).timed('invoices.load', () => 42)).resolves.toBe(42);
    const cache = cacheMetrics('sessions', new Map<string, number>(), options);
    cache.set('a', 1);
    expect([cache.get('a'), cache.get('b')]).toEqual([1, undefined]);
    await collectMetrics(reader); // runs any gauge callback while the pool is instrumented
  } finally {
    instrumented.dispose();
    await pool.end();
    await close(server);
  }
}

describe('@telltale/metrics with meterProvider: false', () => {
  it('serves and records nothing, and asks the global SDK provider for no meter', async () => {
    await exercise(false);
    expect(instrumentsNamed(await collectMetrics(reader), PREFIXES)).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same calls without the option record on that provider', async () => {
    await exercise(undefined);
    expect(instrumentsNamed(await collectMetrics(reader), PREFIXES)).toEqual(
      expect.arrayContaining([
        'db.client.connection.count',
        'http.server.request.duration',
        'telltale.cache.requests',
        'telltale.operation.duration',
      ]),
    );
    expect([...spy.scopes]).toEqual(['@telltale/metrics']);
  });
});
