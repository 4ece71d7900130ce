import { request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';

class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface HistogramSeries {
  attributes: Attributes;
  count: number;
  sum: number;
  boundaries: number[];
  counts: number[];
}

/** A real SDK MeterProvider with an in-memory pull reader. */
export function createTestMeter() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric;
    }
    return undefined;
  };
  const histogram = async (name: string): Promise<HistogramSeries[]> => {
    const metric = (await collect(name)) as HistogramMetricData | undefined;
    return (metric?.dataPoints ?? []).map((point) => ({
      attributes: point.attributes,
      count: point.value.count,
      sum: point.value.sum ?? 0,
      boundaries: point.value.buckets.boundaries,
      counts: point.value.buckets.counts,
    }));
  };
  return { meterProvider, reader, collect, histogram, shutdown: () => meterProvider.shutdown() };
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** GET (or `method`) and read the whole body. */
export function send(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Sends a request, then destroys the connection once the server has it (client abort). */
export function abortAfterSend(url: string): Promise<void> {
  return new Promise((resolve) => {
    const request = httpRequest(url, { agent: false });
    request.on('error', () => resolve());
    request.on('close', () => resolve());
    request.end(() => setTimeout(() => request.destroy(), 50));
  });
}

/** `count` requests to random paths under `base`, `concurrency` at a time. */
export async function randomPaths(base: string, count: number, concurrency = 32): Promise<Set<number>> {
  const statuses = new Set<number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const path = `/scan/${Math.random().toString(36).slice(2)}/${next}`;
      statuses.add((await send(base + path)).status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** Polls `read` until `done(value)` holds, for at most `timeout` ms. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout = 2000): Promise<T> {
  const deadline = Date.now() + timeout;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await read();
  }
  return value;
}

/** Canonical `key=value ...` line of one attribute set (keys sorted). */
export function labelLine(attributes: Attributes): string {
  return Object.keys(attributes)
    .sort()
    .map((key) => `${key}=${String(attributes[key])}`)
    .join(' ');
}

/** Sorted canonical lines of series (or attribute sets), for exact comparisons. */
export function describeSeries(series: readonly (HistogramSeries | Attributes)[]): string[] {
  return series.map((entry) => labelLine('attributes' in entry ? (entry.attributes as Attributes) : entry)).sort();
}
