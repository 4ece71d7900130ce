import { createServer, type Server } from 'node:http';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheMetrics, createHttpMetrics } from '@telltale/metrics';
import { serverTiming } from '@telltale/metrics/express';
import { startTelemetry } from '@telltale/node';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';
import { close, get, listen } from './support.js';

const missing = missingPeer('redis-server');

function sample(exposition: string, name: string, labels: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name}{`) && labels.split(',').every((label) => line.includes(label))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe.skipIf(missing)('cacheMetrics on a real redis-server, through startTelemetry /metrics', () => {
  let redis: RedisServer;
  let client: Redis;
  let server: Server;
  let url: string;
  let telemetry: ReturnType<typeof startTelemetry>;
  let loads = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    telemetry = startTelemetry({ serviceName: 'cache-test', runtimeMetrics: false });
    const readings = cacheMetrics('readings-redis', client);
    const app = express();
    app.use(serverTiming());
    app.get('/readings/:id', async (request, response) => {
      const key = `reading:${request.params.id}`;
      try {
        const cached = await readings.get(key);
        if (cached !== null) return void response.json({ source: 'cache', value: cached });
        loads++;
        const value = `value-${request.params.id}`;
        await readings.set(key, value, 'EX', 60);
        response.json({ source: 'load', value });
      } catch {
        response.status(503).json({ error: 'cache unavailable' });
      }
    });
    app.get('/metrics', telemetry.metricsHandler);
    server = createServer(app);
    url = await listen(server);
  });

  afterAll(async () => {
    await close(server);
    client.disconnect();
    await telemetry.close();
    await redis.close();
  });

  it('reports the hits and misses the requests made, in /metrics and snapshot()', async () => {
    // 3 distinct ids: 3 misses; then 7 more lookups of them: 7 hits.
    for (const id of ['1', '2', '3', '1', '1', '2', '3', '3', '2', '1']) {
      const response = await fetch(`${url}/readings/${id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('server-timing')).toMatch(/^total;dur=[\d.]+, cache;dur=[\d.]+$/);
      await response.json();
    }
    expect(loads).toBe(3);
    const exposition = (await get(`${url}/metrics`)).body;
    const name = 'cache_name="readings-redis"';
    expect(sample(exposition, 'telltale_cache_requests_total', `${name},outcome="hit"`)).toBe(7);
    expect(sample(exposition, 'telltale_cache_requests_total', `${name},outcome="miss"`)).toBe(3);
    expect(sample(exposition, 'telltale_cache_requests_total', `${name},outcome="error"`)).toBe(0);
    // Pre-aggregated lookup durations, one per lookup.
    expect(sample(exposition, 'telltale_cache_lookup_duration_count', `${name},outcome="hit"`)).toBe(7);
    expect(sample(exposition, 'telltale_cache_lookup_duration_count', `${name},outcome="miss"`)).toBe(3);
    const snapshot = createHttpMetrics().snapshot();
    expect(snapshot.caches.find((cache) => cache.name === 'readings-redis')).toEqual({
      name: 'readings-redis',
      requests: 10,
      hits: 7,
      misses: 3,
      errors: 0,
      hitRatio: 0.7,
      size: undefined,
    });
  });

  it('counts lookups against a stopped Redis as errors and keeps serving', async () => {
    await redis.kill();
    const response = await fetch(`${url}/readings/1`);
    expect(response.status).toBe(503);
    await response.text();
    const exposition = (await get(`${url}/metrics`)).body;
    expect(sample(exposition, 'telltale_cache_requests_total', 'cache_name="readings-redis",outcome="error"')).toBe(1);
  });
});
