import type { IncomingMessage, ServerResponse } from 'node:http';
import { TelltaleConfigError, createManualClock } from '@telltale/core';
import { describe, expect, it } from 'vitest';
import {
  createHttpMetrics,
  createOperationMetrics,
  histogramQuantile,
  performanceReport,
  HTTP_DURATION_BUCKETS,
} from '@telltale/metrics';
import { createTestMeter } from './support.js';

const request = (method: string, url: string) =>
  ({ method, url, httpVersion: '1.1', socket: {}, headers: {} }) as unknown as IncomingMessage;
const response = (statusCode: number, finished = true) =>
  ({
    statusCode,
    headersSent: finished,
    writableFinished: finished,
    getHeader: () => undefined,
  }) as unknown as ServerResponse;

describe('histogramQuantile', () => {
  it('interpolates inside the bucket holding the rank, like Prometheus', () => {
    expect(histogramQuantile(0.5, [0.1, 0.2], [0, 10, 0])).toBeCloseTo(0.15);
    // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.5], 10 in (0.5, 1]
    expect(histogramQuantile(0.5, [0.1, 0.5, 1], [50, 40, 10, 0])).toBeCloseTo(0.1);
    expect(histogramQuantile(0.9, [0.1, 0.5, 1], [50, 40, 10, 0])).toBeCloseTo(0.5);
    expect(histogramQuantile(0.95, [0.1, 0.5, 1], [50, 40, 10, 0])).toBeCloseTo(0.75);
    expect(histogramQuantile(0.25, [0.1, 0.5, 1], [50, 40, 10, 0])).toBeCloseTo(0.05);
  });

  it('returns the highest finite bound for the +Inf bucket and undefined when empty', () => {
    expect(histogramQuantile(0.99, [0.1, 0.5], [1, 1, 98])).toBe(0.5);
    expect(histogramQuantile(0.5, [0.1], [0, 0])).toBeUndefined();
    expect(histogramQuantile(1.5, [0.1], [1, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(histogramQuantile(-1, [0.1], [1, 0])).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('createHttpMetrics', () => {
  it('rejects invalid options naming the option', () => {
    expect(() => createHttpMetrics({ buckets: [1, 0.5] })).toThrow(TelltaleConfigError);
    expect(() => createHttpMetrics({ buckets: [1, 0.5] })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"buckets"/) }),
    );
    expect(() => createHttpMetrics({ maxRoutes: 0 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"maxRoutes"/) }),
    );
    expect(() => createHttpMetrics({ ignore: ['metrics'] })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"ignore"/) }),
    );
    expect(() => createHttpMetrics({ getRoute: 'x' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"getRoute"/) }),
    );
  });

  it('ignores exact paths and /* prefixes, with or without a query string', () => {
    const metrics = createHttpMetrics({ ignore: ['/metrics', '/health/*'] });
    expect(metrics.start(request('GET', '/metrics?x=1'))).toBeUndefined();
    expect(metrics.start(request('GET', '/health'))).toBeUndefined();
    expect(metrics.start(request('GET', '/health/ready'))).toBeUndefined();
    expect(metrics.start(request('GET', '/healthy'))).toBeDefined();
    const byPredicate = createHttpMetrics({ ignore: (incoming) => incoming.method === 'OPTIONS' });
    expect(byPredicate.start(request('OPTIONS', '/'))).toBeUndefined();
  });

  it('matches ignored paths the same way for a short list and a long one', () => {
    const filler = Array.from({ length: 10 }, (_, index) => `/filler/${index}`);
    const urls: Array<[string, boolean]> = [
      ['/metrics', true],
      ['/metrics?format=text', true],
      ['/metrics/', false],
      ['/metricsx', false],
      ['/metric', false],
      ['/health', true],
      ['/health?probe=1', true],
      ['/health/', true],
      ['/health/ready?x=1', true],
      ['/healthz?x=/health/', false],
      ['/users/1?next=/metrics', false],
      ['/odd?q', false],
      // A prefix with `?` never matches the path (the query is cut off), in either list.
      ['/odd?p/x', false],
    ];
    for (const ignore of [
      ['/metrics', '/health/*', '/odd?q', '/odd?p/*'],
      [...filler, '/metrics', '/health/*', '/odd?q', '/odd?p/*'],
    ]) {
      const metrics = createHttpMetrics({ ignore });
      const ignored = urls.map(([url]) => [url, metrics.start(request('GET', url)) === undefined]);
      expect(ignored).toEqual(urls);
    }
  });

  it('folds routes beyond maxRoutes into one overflow value and warns once', async () => {
    const meter = createTestMeter();
    const warnings: unknown[] = [];
    const metrics = createHttpMetrics({
      meterProvider: meter.meterProvider,
      maxRoutes: 2,
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    });
    for (const route of ['/a', '/b', '/c', '/d', '/a']) {
      const incoming = request('GET', route);
      const handle = metrics.start(incoming)!;
      handle.route = route;
      metrics.finish(handle, response(200));
    }
    const routes = (await meter.histogram('http.server.request.duration')).map((entry) => [
      entry.attributes['http.route'],
      entry.count,
    ]);
    expect(routes.sort()).toEqual([
      ['/a', 2],
      ['/b', 1],
      ['_OTHER', 2],
    ]);
    expect(warnings).toHaveLength(1);
  });

  it('keeps the overflow fold stable in the pre-aggregated table, for routes seen before and after it', () => {
    const meter = createTestMeter();
    const warnings: unknown[] = [];
    const metrics = createHttpMetrics({
      meterProvider: meter.meterProvider,
      maxRoutes: 2,
      overflowRoute: '_MORE',
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    });
    for (const route of ['/a', '/b', '/c', '/c', '/b', '/d', '/a', '_MORE']) {
      const handle = metrics.start(request('GET', route))!;
      handle.route = route;
      metrics.finish(handle, response(200));
    }
    const unrouted = metrics.start(request('GET', '/missing'))!;
    metrics.finish(unrouted, response(404));
    const routes = metrics
      .snapshot()
      .routes.map((entry) => [entry.route ?? '(none)', entry.count])
      .sort();
    expect(routes).toEqual([
      ['(none)', 1],
      ['/a', 2],
      ['/b', 2],
      ['_MORE', 4],
    ]);
    expect(warnings).toHaveLength(1);
  });

  it('normalises unknown methods to _OTHER and records once per handle', async () => {
    const meter = createTestMeter();
    const metrics = createHttpMetrics({ meterProvider: meter.meterProvider });
    const incoming = request('PURGE', '/');
    const handle = metrics.start(incoming)!;
    metrics.finish(handle, response(200));
    metrics.finish(handle, response(200));
    const series = await meter.histogram('http.server.request.duration');
    expect(series.map((entry) => [entry.attributes['http.request.method'], entry.count])).toEqual([['_OTHER', 1]]);
    expect(series[0]!.boundaries).toEqual([...HTTP_DURATION_BUCKETS]);
  });

  it('snapshot() gives rate, error ratio and interpolated percentiles per route, and deltas since a snapshot', () => {
    const meter = createTestMeter();
    const clock = createManualClock({ now: 0 });
    const metrics = createHttpMetrics({ meterProvider: meter.meterProvider, clock });
    const record = (route: string, status: number) => {
      const incoming = request('GET', route);
      const handle = metrics.start(incoming)!;
      handle.route = route;
      metrics.finish(handle, response(status));
    };
    for (let index = 0; index < 18; index++) record('/users/:id', 200);
    record('/users/:id', 500);
    record('/users/:id', 503);
    clock.advance(10_000);
    const first = metrics.snapshot();
    expect(first.intervalSeconds).toBe(10);
    const users = first.routes[0]!;
    expect(users).toMatchObject({ method: 'GET', route: '/users/:id', count: 20, rate: 2, errorRatio: 0.1 });
    // In-process requests are far under 5 ms: every quantile lies in the first bucket.
    expect(users.p50).toBeGreaterThan(0);
    expect(users.p99).toBeLessThanOrEqual(0.005);
    expect(users.bucketCounts.length).toBe(HTTP_DURATION_BUCKETS.length + 1);

    record('/orders', 200);
    clock.advance(5_000);
    const second = metrics.snapshot({ since: first });
    expect(second.intervalSeconds).toBe(5);
    expect(second.routes.map((route) => [route.route, route.count, route.rate])).toEqual([['/orders', 1, 0.2]]);

    const report = performanceReport(first);
    expect(report.split('\n')[0]).toMatch(/^route\s+requests\s+rate\/s\s+p50\s+p95\s+p99\s+errors$/);
    expect(report).toMatch(/GET \/users\/:id\s+20\s+2\.00\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+10\.0%/);
    expect(performanceReport(metrics.snapshot({ since: metrics.snapshot() }))).toContain('(no requests recorded)');
  });
});

describe('timed and timedJob', () => {
  it('record telltale.operation.duration with outcome and error.type', async () => {
    const meter = createTestMeter();
    const operations = createOperationMetrics({ meterProvider: meter.meterProvider });
    await expect(operations.timed('invoices.load', () => Promise.resolve('ok'), { tenant: 'eu' })).resolves.toBe('ok');
    await expect(
      operations.timed('invoices.load', () => {
        throw new TypeError('bad');
      }),
    ).rejects.toThrow(TypeError);
    const job = operations.timedJob('jobs.digest', (count: number) => count * 2);
    expect(await job(21)).toBe(42);
    const series = await meter.histogram('telltale.operation.duration');
    const lines = series.map((entry) => ({ ...entry.attributes, count: entry.count }));
    expect(lines).toEqual(
      expect.arrayContaining([
        { 'operation.name': 'invoices.load', outcome: 'success', tenant: 'eu', count: 1 },
        { 'operation.name': 'invoices.load', outcome: 'failure', 'error.type': 'TypeError', count: 1 },
        { 'operation.name': 'jobs.digest', outcome: 'success', count: 1 },
      ]),
    );
    expect(series).toHaveLength(3);
    expect(series[0]!.boundaries.at(-1)).toBe(3600);
    expect(() => operations.timedJob('', () => 1)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"name"/) }),
    );
  });
});
