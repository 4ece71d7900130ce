// GET /readings/:id against a real Postgres and a real Redis: the cached query,
// its Server-Timing header, the cache hit ratio in /metrics and on the
// dashboard, the warmer holding /health/startup, and Redis going away.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../test-support/postgres-server.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';
import { startExpressApp } from '../src/start.js';

const missing = missingPostgres() ?? missingPeer('redis-server');

function sample(exposition: string, name: string, labels: readonly string[]): number | undefined {
  const line = exposition
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && labels.every((label) => candidate.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(missing)('GET /readings/:id on real Postgres and Redis', () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let dataDirectory: string;
  let app: Awaited<ReturnType<typeof startExpressApp>>;
  let seed: pg.Client;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
    dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-readings-'));
    seed = new pg.Client({ connectionString: postgres.url });
    await seed.connect();
    await seed.query(
      'CREATE TABLE readings (id text PRIMARY KEY, value double precision NOT NULL, taken_at timestamptz NOT NULL DEFAULT now())',
    );
    await seed.query(`INSERT INTO readings (id, value) VALUES ('r1', 21.5), ('r2', 19.25)`);
    app = await startExpressApp({
      serviceName: 'readings-test',
      billingUrl: 'http://127.0.0.1:9',
      smtp: { host: '127.0.0.1', port: 9 },
      oncallEmail: 'oncall@coachly.test',
      cloudSttUrl: 'http://127.0.0.1:9',
      cloudSttApiKey: 'sk-test',
      localStt: false,
      dataDirectory,
      evaluationInterval: '1h',
      databaseUrl: postgres.url,
      redisUrl: redis.url,
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await seed?.end();
    await Promise.all([postgres?.close(), redis?.close()]);
    if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
  });

  it('warms the cache before startup passes, then serves hits and misses with Server-Timing', async () => {
    const startup = await eventually(
      () =>
        fetch(`${app.url}/health/startup`).then(async (response) => ({
          status: response.status,
          body: await response.text(),
        })),
      (answer) => answer.status === 200,
    );
    expect(startup.status).toBe(200);
    expect(app.readings?.warmer.warmed).toBe(true);

    // Warmed: r1 and r2 are hits.
    const r1 = await fetch(`${app.url}/readings/r1`);
    expect(await r1.json()).toEqual({
      source: 'cache',
      reading: { id: 'r1', value: 21.5, takenAt: expect.any(String) },
    });
    expect(r1.headers.get('server-timing')).toMatch(/^total;dur=[\d.]+, cache;dur=[\d.]+$/);
    expect(((await (await fetch(`${app.url}/readings/r2`)).json()) as { source: string }).source).toBe('cache');

    // A miss that Postgres does not know either.
    const unknown = await fetch(`${app.url}/readings/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('server-timing')).toMatch(/^total;dur=[\d.]+, cache;dur=[\d.]+, db;dur=[\d.]+$/);
    await unknown.text();

    // Added after the warm: a miss served from Postgres, then a hit.
    await seed.query(`INSERT INTO readings (id, value) VALUES ('r3', 18)`);
    expect(((await (await fetch(`${app.url}/readings/r3`)).json()) as { source: string }).source).toBe('database');
    expect(((await (await fetch(`${app.url}/readings/r3`)).json()) as { source: string }).source).toBe('cache');

    // 3 hits, 2 misses: /metrics, the dashboard and snapshot() agree on 60 %.
    const exposition = await (await fetch(`${app.url}/metrics`)).text();
    const cache = 'cache_name="readings"';
    expect(sample(exposition, 'telltale_cache_requests_total', [cache, 'outcome="hit"'])).toBe(3);
    expect(sample(exposition, 'telltale_cache_requests_total', [cache, 'outcome="miss"'])).toBe(2);
    const dashboard = await app.observability.dashboard.snapshot();
    expect(dashboard.caches?.find((entry) => entry.name === 'readings')).toMatchObject({
      hits: 3,
      misses: 2,
      errors: 0,
      hitRatio: 0.6,
    });
    expect(app.observability.httpMetrics.metrics.snapshot().caches).toEqual([
      expect.objectContaining({ name: 'readings', requests: 5, hitRatio: 0.6 }),
    ]);
  });

  it('serves from Postgres while Redis is down, counting the cache errors', async () => {
    await redis.kill();
    const response = await fetch(`${app.url}/readings/r1`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { source: string }).source).toBe('database');
    const exposition = await (await fetch(`${app.url}/metrics`)).text();
    expect(sample(exposition, 'telltale_cache_requests_total', ['cache_name="readings"', 'outcome="error"'])).toBe(1);
  });
});
