import { createServer, type Server } from 'node:http';
import express from 'express';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type HistogramMetricData, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpMetrics, createHttpMetricsProducer, registerHttpMetricsProducer } from '@telltale/metrics';
import { expressMetrics } from '@telltale/metrics/express';
import { abortAfterSend, close, listen, send } from './support.js';

class BoomError extends Error {}

// Durations (ms) the fake clock hands out, one per request: they spread over
// several buckets, including +Inf, so bucket counts, sums, min and max all differ.
const DURATIONS = [1, 30, 2, 600, 3, 0.5, 12_000, 70, 4, 250, 9, 8, 1, 2, 3, 5, 40, 800];

function fakeClock() {
  let now = 0;
  let call = 0;
  // Requests run one at a time, so calls alternate start, finish, start, ...
  return vi.spyOn(performance, 'now').mockImplementation(() => {
    if (call % 2 === 1) now += DURATIONS[((call - 1) / 2) % DURATIONS.length]!;
    call++;
    return now;
  });
}

function buildApp(middleware: ReturnType<typeof expressMetrics>) {
  const app = express();
  app.use(middleware);
  app.get('/users/:id', (request, response) => {
    response.json({ id: request.params.id });
  });
  const api = express.Router();
  const v1 = express.Router();
  v1.get('/items/:itemId', (_request, response) => {
    response.send('item');
  });
  v1.get('/fail/:code', () => {
    throw new BoomError('nested failure');
  });
  api.use('/v1', v1);
  app.use('/api', api);
  app.get('/bad-gateway', (_request, response) => {
    response.status(502).send('upstream');
  });
  app.get('/hang', () => {
    // Never answers: the client gives up.
  });
  app.post('/users', (_request, response) => {
    response.status(201).end();
  });
  app.use(middleware.errorHandler);
  return createServer(app);
}

async function traffic(url: string): Promise<void> {
  const plan: [string, string][] = [
    ['GET', '/users/1'],
    ['GET', '/users/2'],
    ['GET', '/api/v1/items/9'],
    ['GET', '/api/v1/fail/3'],
    ['GET', '/nowhere/at/all'],
    ['POST', '/users'],
    ['GET', '/bad-gateway'],
    ['GET', '/users/3'],
    ['PURGE', '/users/4'],
    ['GET', '/api/v1/items/10'],
    ['GET', '/api/v1/fail/4'],
    ['GET', '/users/5'],
  ];
  for (const [method, path] of plan) await send(url + path, method);
  await abortAfterSend(`${url}/hang`);
  for (const [method, path] of plan.slice(0, 5)) await send(url + path, method);
}

interface Run {
  text: string;
  metrics: MetricData[];
}

async function scrape(withProducer: boolean): Promise<Run> {
  const producer = createHttpMetricsProducer();
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    ...(withProducer ? { metricProducers: [producer] } : {}),
  });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  if (withProducer) registerHttpMetricsProducer(meterProvider, producer);
  const clock = fakeClock();
  const server: Server = buildApp(expressMetrics({ meterProvider }));
  try {
    await traffic(await listen(server));
  } finally {
    clock.mockRestore();
    await close(server);
  }
  const { resourceMetrics } = await exporter.collect();
  // Each path really is the one under test: the producer holds the data only when registered.
  const own = (await producer.collect()).resourceMetrics.scopeMetrics;
  expect(own).toHaveLength(withProducer ? 1 : 0);
  await meterProvider.shutdown();
  return {
    text: new PrometheusSerializer().serialize(resourceMetrics),
    metrics: resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics),
  };
}

function withoutTimes(metric: MetricData) {
  const histogram = metric as HistogramMetricData;
  return {
    ...histogram,
    dataPoints: histogram.dataPoints.map(({ attributes, value }) => ({ attributes, value })),
  };
}

describe('HTTP metrics producer', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exports byte-identical Prometheus text to the SDK histogram path for the same traffic', async () => {
    const sdk = await scrape(false);
    const produced = await scrape(true);
    expect(produced.text).toBe(sdk.text);
    // The comparison is not vacuous: every kind of series is in there.
    expect(sdk.text).toContain('# TYPE http_server_request_duration histogram');
    expect(sdk.text).toContain('http_route="/api/v1/fail/:code"');
    expect(sdk.text).toContain('error_type="BoomError"');
    expect(sdk.text).toContain('error_type="aborted"');
    expect(sdk.text).toContain('error_type="502"');
    expect(sdk.text).toContain('http_request_method="_OTHER"');
    expect(sdk.text).toContain('le="+Inf"');
    expect(sdk.text).toContain('otel_scope_name="@telltale/metrics"');
    expect(sdk.text).not.toContain('/nowhere');
  });

  it('hands the SDK the same descriptor, attributes, buckets, sum, count, min and max', async () => {
    const sdk = await scrape(false);
    const produced = await scrape(true);
    expect(produced.metrics.map(withoutTimes)).toEqual(sdk.metrics.map(withoutTimes));
    const points = (produced.metrics[0] as HistogramMetricData).dataPoints;
    expect(points.length).toBeGreaterThan(6);
    for (const point of points) {
      expect(point.startTime[0]).toBeGreaterThan(0);
      expect(point.endTime[0]).toBeGreaterThanOrEqual(point.startTime[0]);
    }
  });

  it('records through the producer only when the provider registered it', async () => {
    const producer = createHttpMetricsProducer();
    const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const server = buildApp(expressMetrics({ meterProvider }));
    const url = await listen(server);
    await send(`${url}/users/1`);
    // Not registered: the SDK histogram records, the producer has nothing.
    expect((await producer.collect()).resourceMetrics.scopeMetrics).toEqual([]);
    expect((await exporter.collect()).resourceMetrics.scopeMetrics).toHaveLength(1);
    await close(server);
    await meterProvider.shutdown();
  });

  it('feeds snapshot() from the same aggregates', async () => {
    const producer = createHttpMetricsProducer();
    const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    registerHttpMetricsProducer(meterProvider, producer);
    const recorder = createHttpMetrics({ meterProvider });
    const clock = fakeClock();
    const server = buildApp(expressMetrics({ metrics: recorder }));
    await traffic(await listen(server));
    clock.mockRestore();
    await close(server);
    const users = recorder.snapshot().routes.find((entry) => entry.method === 'GET' && entry.route === '/users/:id');
    expect(users?.count).toBe(6);
    const fails = recorder.snapshot().routes.find((entry) => entry.route === '/api/v1/fail/:code');
    expect(fails).toMatchObject({ count: 3, errors: 3, errorRatio: 1 });
    await meterProvider.shutdown();
  });

  it('folds series beyond the SDK cardinality limit into otel.metric.overflow, as the SDK does', async () => {
    const render = async (withProducer: boolean) => {
      const producer = createHttpMetricsProducer();
      const exporter = new PrometheusExporter({
        preventServerStart: true,
        ...(withProducer ? { metricProducers: [producer] } : {}),
      });
      const meterProvider = new MeterProvider({ readers: [exporter] });
      if (withProducer) registerHttpMetricsProducer(meterProvider, producer);
      const recorder = createHttpMetrics({ meterProvider, maxRoutes: 5000 });
      const clock = fakeClock();
      for (let route = 0; route < 2100; route++) {
        const request = { method: 'GET', url: '/', httpVersion: '1.1', socket: {}, headers: {} } as never;
        const handle = recorder.start(request)!;
        handle.route = `/r${route}`;
        recorder.finish(handle, { statusCode: 200, headersSent: true, writableFinished: true } as never);
      }
      clock.mockRestore();
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      await meterProvider.shutdown();
      return text;
    };
    const sdk = await render(false);
    expect(await render(true)).toBe(sdk);
    expect(sdk).toContain('otel_metric_overflow="true"');
  });

  it('exports one metric for several recorders on one provider, as the SDK shares one instrument', async () => {
    const render = async (withProducer: boolean) => {
      const producer = createHttpMetricsProducer();
      const exporter = new PrometheusExporter({
        preventServerStart: true,
        ...(withProducer ? { metricProducers: [producer] } : {}),
      });
      const meterProvider = new MeterProvider({ readers: [exporter] });
      if (withProducer) registerHttpMetricsProducer(meterProvider, producer);
      const recorders = [createHttpMetrics({ meterProvider }), createHttpMetrics({ meterProvider })];
      // Durations that are exact in binary, so sums do not depend on the order of additions.
      let now = 0;
      let call = 0;
      const clock = vi.spyOn(performance, 'now').mockImplementation(() => (call++ % 2 === 1 ? (now += 250) : now));
      for (let index = 0; index < 12; index++) {
        const recorder = recorders[index % 3 === 0 ? 1 : 0]!;
        const request = { method: 'GET', url: '/', httpVersion: '1.1', socket: {}, headers: {} } as never;
        const handle = recorder.start(request)!;
        handle.route = `/r${index % 4}`;
        recorder.finish(handle, { statusCode: 200, headersSent: true, writableFinished: true } as never);
      }
      clock.mockRestore();
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      await meterProvider.shutdown();
      return text;
    };
    const sdk = await render(false);
    const produced = await render(true);
    expect(produced.match(/^# TYPE http_server_request_duration /gm)).toHaveLength(1);
    expect(produced.split('\n').sort()).toEqual(sdk.split('\n').sort());
  });

  it('rejects what is not a MeterProvider or a producer', () => {
    const producer = createHttpMetricsProducer();
    expect(() => registerHttpMetricsProducer(undefined as never, producer)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
    expect(() => registerHttpMetricsProducer(new MeterProvider(), { collect: producer.collect })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
  });
});
