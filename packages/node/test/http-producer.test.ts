import { createServer } from 'node:http';
import express from 'express';
import { timed } from '@telltale/metrics';
import { expressMetrics } from '@telltale/metrics/express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTelemetry } from '@telltale/node';
import { close, get, listen } from './support.js';

const DURATIONS = [2, 40, 700, 1, 12_000, 6];

// Each request calls performance.now() twice (start, finish), one request at a time.
function fakeClock() {
  let now = 0;
  let call = 0;
  return vi.spyOn(performance, 'now').mockImplementation(() => {
    if (call % 2 === 1) now += DURATIONS[((call - 1) / 2) % DURATIONS.length]!;
    call++;
    return now;
  });
}

async function scrape(views: Parameters<typeof startTelemetry>[0]['views']) {
  await using telemetry = startTelemetry({ serviceName: 'orders', runtimeMetrics: false, views });
  const app = express();
  app.use(expressMetrics({ ignore: ['/metrics'] }));
  app.get('/users/:id', (_request, response) => {
    response.send('ok');
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/metrics', telemetry.metricsHandler);
  const server = createServer(app);
  const url = await listen(server);
  const clock = fakeClock();
  try {
    for (const path of ['/users/1', '/boom', '/users/2', '/nowhere', '/users/3', '/boom']) await get(url + path);
  } finally {
    clock.mockRestore();
  }
  await timed('reports.build', () => 'done');
  const exposition = await get(`${url}/metrics`);
  const { resourceMetrics } = await telemetry.metricReader.collect();
  await close(server);
  const scopes = resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === '@telltale/metrics');
  const lines = exposition.body.split('\n').filter((line) => line.includes('http_server_request_duration'));
  return { lines, scopes };
}

describe('startTelemetry and the HTTP metrics producer', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exports pre-aggregated durations identical to the SDK histogram, which views still get', async () => {
    const produced = await scrape(undefined);
    // Any view keeps the SDK path (views apply to SDK instruments only).
    const sdk = await scrape([{ instrumentName: 'unrelated.metric', name: 'renamed' }]);
    expect(produced.lines).toEqual(sdk.lines);
    expect(produced.lines.filter((line) => line.startsWith('http_server_request_duration_count'))).toHaveLength(3);
    expect(produced.lines.join('\n')).toContain('error_type="500"');
    // Which path ran: the producer adds its own scope beside the SDK's (which holds the operation histogram).
    const names = (scopes: typeof sdk.scopes) => scopes.map((scope) => scope.metrics.map((m) => m.descriptor.name));
    expect(names(produced.scopes)).toEqual([['telltale.operation.duration'], ['http.server.request.duration']]);
    expect(names(sdk.scopes)).toEqual([['http.server.request.duration', 'telltale.operation.duration']]);
  });
});
