import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheReportRow } from '@telltale/cli';
import { cacheMetrics, createHttpMetrics } from '@telltale/metrics';
import { run, serve } from './support.js';

// A real service whose cache is wrapped by cacheMetrics, exposed by the OTel exporter.
// Every scrape of /metrics first makes 3 hits and 1 miss, so a report over an
// interval sees exactly those 4 lookups, and a single scrape everything so far.
describe('telltale report on the caches of a @telltale/metrics exposition', () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const metrics = createHttpMetrics({ meterProvider: provider, ignore: ['/metrics'] });
  const items = cacheMetrics('report-items', new Map([['a', 1]]), { meterProvider: provider });
  let app: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    app = await serve((request, response) => {
      if (request.url === '/metrics') {
        for (const key of ['a', 'a', 'b', 'a']) items.get(key);
        return exporter.getMetricsRequestHandler(request, response);
      }
      const handle = metrics.track(request, response);
      if (handle) handle.route = '/items';
      response.end('ok');
    });
    await (await fetch(`${app.url}/items`)).arrayBuffer();
    // Lookups before any scrape: 1 hit, 2 misses.
    for (const key of ['a', 'x', 'y']) items.get(key);
  });
  afterAll(async () => {
    await app.close();
    await provider.shutdown();
  });

  it('reports the hits and misses made so far with their hit ratio', async () => {
    const result = await run(['report', `${app.url}/metrics`, '--json']);
    expect(result.code).toBe(0);
    const { caches } = JSON.parse(result.stdout) as { caches: CacheReportRow[] };
    const row = caches.find((entry) => entry.cache === 'report-items')!;
    // 1 + 3 hits, 2 + 1 misses (the scrape's own lookups come first).
    expect(row).toEqual({ cache: 'report-items', lookups: 7, hits: 4, misses: 3, errors: 0, hitRatio: 4 / 7 });
  });

  it('reports only the lookups between the scrapes with --interval, and prints a table', async () => {
    const result = await run(['report', `${app.url}/metrics`, '--interval', '100ms']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/cache\s+lookups\s+hit ratio\s+hits\s+misses\s+errors/);
    expect(result.stdout).toMatch(/report-items\s+4\s+75\.0%\s+3\s+1\s+0/);
    const json = await run(['report', `${app.url}/metrics`, '--interval', '100ms', '--json']);
    const { caches } = JSON.parse(json.stdout) as { caches: CacheReportRow[] };
    expect(caches).toEqual([{ cache: 'report-items', lookups: 4, hits: 3, misses: 1, errors: 0, hitRatio: 0.75 }]);
  });
});
