import { Router } from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from '@telltale/core';
import { postgresCheck, redisCheck, type HealthRegistry } from '@telltale/health';
import { cacheMetrics, cacheWarmer, type CacheWarmer } from '@telltale/metrics';
import { instrumentPool } from '@telltale/metrics/pg';

/** Where the readings live: both must be set for `/readings/:id` to exist. */
export interface ReadingsConfig {
  /** `postgres://...`; the `readings` table is created if missing. */
  databaseUrl?: string | undefined;
  /** `redis://...`, the read-through cache in front of Postgres. */
  redisUrl?: string | undefined;
  logger?: Logger | undefined;
}

/** A reading as the API returns it. */
export interface Reading {
  id: string;
  value: number;
  takenAt: string;
}

/** The mounted readings endpoint and what it owns. */
export interface Readings {
  /** Mount at `/readings`. */
  readonly router: ReturnType<typeof Router>;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly warmer: CacheWarmer;
  close(): Promise<void>;
}

const CACHE_SECONDS = 60;
const key = (id: string): string => `reading:${id}`;

const SCHEMA = `CREATE TABLE IF NOT EXISTS readings (
  id text PRIMARY KEY,
  value double precision NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now()
)`;

interface ReadingRow {
  id: string;
  value: number;
  taken_at: Date;
}

const toReading = (row: ReadingRow): Reading => ({ id: row.id, value: row.value, takenAt: row.taken_at.toISOString() });

/**
 * `GET /readings/:id`: a cached query. Redis first (`cacheMetrics` counts the
 * hit or miss and adds `cache` time to Server-Timing), Postgres on a miss
 * (`instrumentPool` records it and adds `db` time), then the row is cached
 * for a minute. A Redis outage degrades to Postgres only, never to an error.
 * The 100 latest readings are warmed at start and every 5 minutes, holding
 * the `startup` health check until the first warm is done.
 *
 * Returns `undefined` (after one log line) when `DATABASE_URL` or
 * `REDIS_URL` is not configured: the demo runs on its embedded defaults.
 */
export async function createReadings(config: ReadingsConfig, health: HealthRegistry): Promise<Readings | undefined> {
  if (!config.databaseUrl || !config.redisUrl) {
    const log = config.logger?.info.bind(config.logger) ?? console.info;
    log('readings: DATABASE_URL and REDIS_URL not both set, so GET /readings/:id is not mounted');
    return undefined;
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined); // idle-client errors: the next query reports them
  // Slow queries arrive normalised (literals replaced, never parameter values).
  const warn = config.logger?.warn.bind(config.logger) ?? console.warn;
  const instrumented = instrumentPool(pool, {
    name: 'readings',
    slowQuery: { threshold: '200ms' },
    onSlowQuery: (event) => warn({ ...event }, 'readings: slow query'),
  });
  // Fail fast while Redis is away instead of queueing commands: the route falls back to Postgres.
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined); // reconnects by itself; lookups count the errors
  await redis.connect();
  await pool.query(SCHEMA);
  const cache = cacheMetrics('readings', redis);

  const load = async (id: string): Promise<Reading | undefined> => {
    const result = await pool.query<ReadingRow>('SELECT id, value, taken_at FROM readings WHERE id = $1', [id]);
    return result.rows[0] && toReading(result.rows[0]);
  };
  const store = async (reading: Reading): Promise<void> => {
    await cache.set(key(reading.id), JSON.stringify(reading), 'EX', CACHE_SECONDS).catch(() => undefined);
  };

  const warmer = cacheWarmer({
    name: 'readings-cache-warm',
    load: async () => {
      const latest = await pool.query<ReadingRow>(
        'SELECT id, value, taken_at FROM readings ORDER BY taken_at DESC LIMIT 100',
      );
      for (const row of latest.rows) await store(toReading(row));
    },
    every: '5m',
    health,
    logger: config.logger,
  });
  const checks = [
    health.register('postgres', postgresCheck(pool, { degradedAfter: '500ms' }), { tags: ['ready'] }),
    health.register('redis', redisCheck(redis, { degradedAfter: '100ms' }), { tags: ['ready'], critical: false }),
  ];

  const router = Router();
  router.get('/:id', async (request, response, next) => {
    try {
      const cached = await cache.get(key(request.params.id)).catch(() => null);
      if (cached !== null) return void response.json({ source: 'cache', reading: JSON.parse(cached) as Reading });
      const reading = await load(request.params.id);
      if (reading === undefined) return void response.status(404).json({ error: 'reading not found' });
      await store(reading);
      response.json({ source: 'database', reading });
    } catch (error) {
      next(error);
    }
  });

  return {
    router,
    pool,
    redis,
    warmer,
    async close() {
      await warmer.close();
      for (const check of checks) check.dispose();
      instrumented[Symbol.dispose]();
      redis.disconnect();
      await pool.end();
    },
  };
}
