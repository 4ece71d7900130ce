import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, type RouteReportRow } from '@telltale/cli';
import { closedPortUrl, run, serve } from './support.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

// A real OTel SDK exposition: the same exporter @telltale/node uses.
function startExposition() {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const histogram = provider.getMeter('test').createHistogram('http.server.request.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: BOUNDS },
  });
  const record = (route: string, seconds: number, status = 200, times = 1) => {
    const attributes: Record<string, string | number> = {
      'http.request.method': 'GET',
      'http.route': route,
      'http.response.status_code': status,
    };
    if (status >= 500) attributes['error.type'] = String(status);
    for (let index = 0; index < times; index++) histogram.record(seconds, attributes);
  };
  return { exporter, provider, record };
}

describe('telltale report', () => {
  const otel = startExposition();
  let scrapes = 0;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    // 90 fast and 10 slow requests on /users/:id, 2 of them 500s; 50 on /health-free route.
    otel.record('/users/:id', 0.02, 200, 88);
    otel.record('/users/:id', 0.02, 500, 2);
    otel.record('/users/:id', 0.6, 200, 10);
    otel.record('/orders', 0.2, 200, 50);
    server = await serve((request, response) => {
      if (request.url === '/metrics') {
        otel.exporter.getMetricsRequestHandler(request, response);
      } else if (request.url === '/growing') {
        // Every scrape sees 20 more /orders requests, so --interval has a known delta.
        scrapes++;
        otel.record('/orders', 0.04, 200, 20);
        otel.exporter.getMetricsRequestHandler(request, response);
      } else {
        response.writeHead(500).end('broken');
      }
    });
  });
  afterAll(async () => {
    await server.close();
    await otel.provider.shutdown();
  });

  it('prints per-route requests, p50/p95/p99 and error % from a single scrape', async () => {
    const result = await run(['report', `${server.url}/metrics`]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^route\s+requests\s+rate\/s\s+p50\s+p95\s+p99\s+errors$/);
    // Busiest first; p50 within (0.01, 0.025], p95 within (0.5, 0.75].
    expect(lines[1]).toMatch(/^GET \/users\/:id\s+100\s+-\s+\d+\.\d ms\s+\d+\.\d ms\s+\d+\.\d ms\s+2\.0%$/);
    expect(lines[2]).toMatch(/^GET \/orders\s+50\s+-/);
    expect(result.stdout).toContain('since the process started (pass --interval 10s for rates)');
  });

  it('computes quantiles like histogram_quantile', async () => {
    const result = await run(['report', `${server.url}/metrics`, '--json']);
    const report = JSON.parse(result.stdout) as { intervalSeconds: null; routes: RouteReportRow[] };
    expect(report.intervalSeconds).toBeNull();
    const users = report.routes.find((row) => row.route === '/users/:id')!;
    expect(users).toMatchObject({ method: 'GET', requests: 100, errors: 2, errorRatio: 0.02, rate: null });
    // Rank 50 of 100, all 90 in (0.01, 0.025]: 0.01 + 0.015 * 50/90.
    expect(users.p50).toBeCloseTo(0.01 + 0.015 * (50 / 90), 9);
    // Rank 95: 5 of the 10 in (0.5, 0.75]: 0.5 + 0.25 * 5/10.
    expect(users.p95).toBeCloseTo(0.625, 9);
    expect(users.p99).toBeCloseTo(0.5 + 0.25 * (9 / 10), 9);
    expect(users.mean).toBeCloseTo((90 * 0.02 + 10 * 0.6) / 100, 9);
  });

  it('reports the difference between two scrapes with --interval', async () => {
    const before = scrapes;
    const result = await run(['report', `${server.url}/growing`, '--interval', '200ms', '--json']);
    expect(result.code).toBe(0);
    expect(scrapes - before).toBe(2);
    const report = JSON.parse(result.stdout) as { intervalSeconds: number; routes: RouteReportRow[] };
    expect(report.intervalSeconds).toBeGreaterThanOrEqual(0.19);
    expect(report.intervalSeconds).toBeLessThan(5);
    const orders = report.routes.find((row) => row.route === '/orders')!;
    expect(orders.requests).toBe(20);
    expect(orders.rate).toBeCloseTo(20 / report.intervalSeconds, 6);
    // Only the new 40 ms requests are in the window: all in (0.025, 0.05].
    expect(orders.p50).toBeGreaterThan(0.025);
    expect(orders.p99).toBeLessThanOrEqual(0.05);
    expect(report.routes.find((row) => row.route === '/users/:id')).toMatchObject({ requests: 0, p50: null });
  });

  it('exits 2 when the target is unreachable or answers an error', async () => {
    const refused = await run(['report', `${await closedPortUrl()}/metrics`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ECONNREFUSED');
    const broken = await run(['report', `${server.url}/broken`]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('HTTP 500');
  });

  it('exits 1 when the exposition has no HTTP duration histogram', async () => {
    const empty = await serve((_request, response) => response.end('# nothing\nup 1\n'));
    try {
      const result = await run(['report', `${empty.url}/metrics`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no http_server_request_duration histogram');
    } finally {
      await empty.close();
    }
  });

  it('exits 64 on bad usage', async () => {
    expect((await run(['report'])).code).toBe(64);
    expect((await run(['report', `${server.url}/metrics`, '--interval', '0s'])).code).toBe(64);
    expect((await run(['report', `${server.url}/metrics`, '--interval', '1s', '--window', '1s'])).code).toBe(64);
    expect((await run(['report', `${server.url}/metrics`, '--limit', 'x'])).code).toBe(64);
  });
});

describe('parseExposition', () => {
  it('reads labels with escapes, special values and timestamps, and skips comments', () => {
    const samples = parseExposition(
      [
        '# HELP x An example',
        '# TYPE x counter',
        'x{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 3 1700000000000',
        'y +Inf',
        'z{} NaN',
        'not a sample line {',
        '',
      ].join('\n'),
    );
    expect(samples).toHaveLength(3);
    expect(samples[0]).toEqual({ name: 'x', labels: { path: 'C:\\dir', quote: 'say "hi"', nl: 'a\nb' }, value: 3 });
    expect(samples[1]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[2]!.value).toBeNaN();
  });
});
