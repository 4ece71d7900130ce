import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteReportRow } from '@telltale/cli';
import { createHttpMetrics } from '@telltale/metrics';
import { run, serve } from './support.js';

// A real service: node:http instrumented by @telltale/metrics, exposed by the OTel exporter.
describe('telltale report on a @telltale/metrics exposition', () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const metrics = createHttpMetrics({ meterProvider: provider, ignore: ['/metrics'] });
  let app: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    app = await serve((request, response) => {
      if (request.url === '/metrics') return exporter.getMetricsRequestHandler(request, response);
      const handle = metrics.track(request, response);
      const match = /^\/items\/(\d+)$/.exec(request.url ?? '');
      if (handle && match) handle.route = '/items/:id';
      if (!match) return void response.writeHead(404).end();
      response.writeHead(match[1] === '13' ? 503 : 200).end('ok');
    });
    for (let id = 1; id <= 20; id++) await (await fetch(`${app.url}/items/${id}`)).arrayBuffer();
  });
  afterAll(async () => {
    await app.close();
    await provider.shutdown();
  });

  it('reports the route template with its request count and error share', async () => {
    const result = await run(['report', `${app.url}/metrics`, '--json']);
    expect(result.code).toBe(0);
    const { routes } = JSON.parse(result.stdout) as { routes: RouteReportRow[] };
    const items = routes.find((row) => row.route === '/items/:id');
    expect(items).toMatchObject({ method: 'GET', requests: 20, errors: 1, errorRatio: 0.05 });
    expect(items!.p50).toBeGreaterThan(0);
    expect(items!.p99).toBeGreaterThanOrEqual(items!.p50!);
    expect(routes.some((row) => row.route !== null && row.route.includes('/items/1'))).toBe(false);
  });
});
