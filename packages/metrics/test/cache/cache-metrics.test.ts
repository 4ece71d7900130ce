import { createServer, type Server } from 'node:http';
import type { SumMetricData, GaugeMetricData } from '@opentelemetry/sdk-metrics';
import { LRUCache } from 'lru-cache';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheMetrics, createHttpMetrics, performanceReport } from '@telltale/metrics';
import { serverTiming } from '@telltale/metrics/node';
import { close, createTestMeter, listen } from '../support.js';

const meter = createTestMeter();
afterAll(() => meter.shutdown());

async function requests(name: string): Promise<Record<string, number>> {
  const metric = (await meter.collect('telltale.cache.requests')) as SumMetricData | undefined;
  const result: Record<string, number> = {};
  for (const point of metric?.dataPoints ?? []) {
    if (point.attributes['cache.name'] === name) result[String(point.attributes.outcome)] = point.value;
  }
  return result;
}

async function lookupCounts(name: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const series of await meter.histogram('telltale.cache.lookup.duration')) {
    if (series.attributes['cache.name'] === name) result[String(series.attributes.outcome)] = series.count;
  }
  return result;
}

function cacheEntry(name: string) {
  return createHttpMetrics()
    .snapshot()
    .caches.find((cache) => cache.name === name);
}

describe('cacheMetrics', () => {
  it('counts hits and misses of a Map and reports them in /metrics series and snapshot()', async () => {
    const map = new Map<string, number>([['a', 1]]);
    const cache = cacheMetrics('map-cache', map, { meterProvider: meter.meterProvider });
    const values = ['a', 'b', 'a', 'a', 'c'].map((key) => cache.get(key));
    expect(values).toEqual([1, undefined, 1, 1, undefined]);
    cache.set('b', 2);
    expect(cache.get('b')).toBe(2);
    expect(map.get('b')).toBe(2);

    expect(await requests('map-cache')).toEqual({ hit: 4, miss: 2, error: 0 });
    expect(await lookupCounts('map-cache')).toEqual({ hit: 4, miss: 2 });
    expect(cacheEntry('map-cache')).toEqual({
      name: 'map-cache',
      requests: 6,
      hits: 4,
      misses: 2,
      errors: 0,
      hitRatio: 4 / 6,
      size: 2,
    });
  });

  it('reads the size of an lru-cache and passes get options through', async () => {
    const lru = new LRUCache<string, string>({ max: 3 });
    const cache = cacheMetrics('lru-cache', lru, { meterProvider: meter.meterProvider });
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key.toUpperCase());
    expect(cache.get('a')).toBeUndefined(); // evicted
    expect(cache.get('d', { updateAgeOnGet: true })).toBe('D');
    const size = (await meter.collect('telltale.cache.size')) as GaugeMetricData | undefined;
    const point = size?.dataPoints.find((entry) => entry.attributes['cache.name'] === 'lru-cache');
    expect(point?.value).toBe(3);
    expect(cacheEntry('lru-cache')).toMatchObject({ hits: 1, misses: 1, hitRatio: 0.5, size: 3 });
  });

  it('counts a rejected async get and a thrown sync get as errors and rethrows them unchanged', async () => {
    const failure = new Error('connection refused');
    const remote = {
      get: (key: string): Promise<string | null> =>
        key === 'down' ? Promise.reject(failure) : Promise.resolve(key === 'k' ? 'v' : null),
      set: (_key: string, _value: string): Promise<'OK'> => Promise.resolve('OK'),
    };
    const cache = cacheMetrics('remote-cache', remote, { meterProvider: meter.meterProvider });
    await expect(cache.get('k')).resolves.toBe('v');
    await expect(cache.get('missing')).resolves.toBeNull();
    await expect(cache.get('down')).rejects.toBe(failure);
    await expect(cache.set('k', 'w')).resolves.toBe('OK');

    const broken = cacheMetrics(
      'broken-cache',
      {
        get: (_key: string): string => {
          throw failure;
        },
        set: () => undefined,
      },
      { meterProvider: meter.meterProvider },
    );
    expect(() => broken.get('x')).toThrow(failure);

    expect(await requests('remote-cache')).toEqual({ hit: 1, miss: 1, error: 1 });
    expect(cacheEntry('remote-cache')).toMatchObject({ requests: 3, hitRatio: 0.5, errors: 1, size: undefined });
    expect(cacheEntry('broken-cache')).toMatchObject({ requests: 1, errors: 1, hitRatio: undefined });
  });

  it('uses isHit and size options and aggregates wrappers sharing a name', () => {
    const store = new Map<string, number>([['zero', 0]]);
    const first = cacheMetrics('shared-cache', store, {
      meterProvider: meter.meterProvider,
      isHit: (value) => !!value,
    });
    const second = cacheMetrics('shared-cache', new Map(), { meterProvider: meter.meterProvider, size: () => 42 });
    first.get('zero');
    second.get('none');
    expect(cacheEntry('shared-cache')).toMatchObject({ hits: 0, misses: 2, size: 42 });
  });

  it('gives interval hit ratios with snapshot({ since }) and prints them in performanceReport', () => {
    const recorder = createHttpMetrics();
    const cache = cacheMetrics('interval-cache', new Map([['x', 1]]), { meterProvider: meter.meterProvider });
    cache.get('x');
    const first = recorder.snapshot();
    cache.get('x');
    cache.get('x');
    cache.get('y');
    const second = recorder.snapshot({ since: first });
    expect(second.caches.map((entry) => [entry.name, entry.hits, entry.misses])).toEqual([['interval-cache', 2, 1]]);
    const report = performanceReport(second);
    expect(report).toMatch(/cache\s+lookups\s+hit ratio/);
    expect(report).toMatch(/interval-cache\s+3\s+66\.7%\s+2\s+1\s+0\s+1/);
  });

  it('adds lookup time to the request Server-Timing header', async () => {
    let slow = 0;
    const remote = {
      get: async (key: string) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        slow++;
        return key;
      },
      set: () => undefined,
    };
    const cache = cacheMetrics('timed-cache', remote, { meterProvider: meter.meterProvider });
    const server: Server = createServer(
      serverTiming(async (_request, response) => {
        await cache.get('a');
        await cache.get('b');
        response.end('ok');
      }),
    );
    try {
      const response = await fetch(`${await listen(server)}/`);
      const header = response.headers.get('server-timing') ?? '';
      const cacheMs = Number(/cache;dur=([\d.]+)/.exec(header)?.[1]);
      expect(slow).toBe(2);
      expect(cacheMs).toBeGreaterThanOrEqual(38);
      expect(Number(/total;dur=([\d.]+)/.exec(header)?.[1])).toBeGreaterThanOrEqual(cacheMs);
    } finally {
      await close(server);
    }
  });

  it('rejects what is not a get/set cache, naming the option', () => {
    expect(() => cacheMetrics('', new Map())).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    expect(() => cacheMetrics('x', {} as never)).toThrow(/"cache"/);
    expect(() => cacheMetrics('x', new Map(), { size: 3 as never })).toThrow(/"size"/);
  });
});
