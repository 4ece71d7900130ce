import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthRegistry, postgresCheck } from '@telltale/health';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../../test-support/postgres-server.js';

const signal = new AbortController().signal;
const missing = missingPostgres();

describe('postgresCheck options', () => {
  it('rejects a missing pool and bad durations naming the option', () => {
    expect(() => postgresCheck(undefined as unknown as pg.Pool)).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        details: expect.objectContaining({ option: 'postgresCheck.pool' }),
      }),
    );
    const pool = new pg.Pool();
    expect(() => postgresCheck(pool, { degradedAfter: 'slow' })).toThrow(/postgresCheck\.degradedAfter/);
    expect(() => postgresCheck(pool, { timeout: 0 })).toThrow(/postgresCheck\.timeout/);
    expect(() => postgresCheck(pool, { query: ' ' })).toThrow(/postgresCheck\.query/);
  });
});

describe.skipIf(missing)('postgresCheck against PostgreSQL', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startPostgresServer();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await pool?.end();
    await server?.close();
  });

  it('passes with the round trip in ms and returns the client to the pool', async () => {
    const result = await postgresCheck(pool)({ signal });
    expect(result).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    expect(result.observedValue).toBeGreaterThanOrEqual(0);
    expect(pool.idleCount).toBeGreaterThanOrEqual(1);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('degrades when the probe query is slow', async () => {
    const result = await postgresCheck(pool, { query: 'SELECT pg_sleep(0.15)', degradedAfter: '100ms' })({ signal });
    expect(result.status).toBe('warn');
    expect(result.observedValue).toBeGreaterThanOrEqual(150);
    expect(result.output).toMatch(/postgres probe took .*degraded after 100ms/);
  });

  it('degrades when the pool is saturated and the probe waits for a connection', async () => {
    const held = await Promise.all([pool.connect(), pool.connect()]);
    setTimeout(() => held[0].release(), 150);
    const result = await postgresCheck(pool, { degradedAfter: '100ms' })({ signal });
    held[1].release();
    expect(result.status).toBe('warn');
  });

  it('fails with TELLTALE_TIMEOUT when the probe outlives the timeout, and destroys that client', async () => {
    const before = pool.totalCount;
    const started = performance.now();
    await expect(
      postgresCheck(pool, { query: 'SELECT pg_sleep(2)', timeout: '200ms' })({ signal }),
    ).rejects.toMatchObject({
      code: 'TELLTALE_TIMEOUT',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    // pg gives up on its side too (query_timeout) and the client is destroyed, not reused.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pool.totalCount).toBeLessThanOrEqual(before);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('fails when Postgres is stopped and passes again once it is back, through the registry', async () => {
    const health = createHealthRegistry({ defaultTimeout: '3s', cacheFor: 0 });
    health.register('database', postgresCheck(pool, { timeout: '1s' }), { tags: ['ready'] });
    expect((await health.readiness()).status).toBe('pass');

    await server.stop();
    const down = await health.readiness();
    expect(down.status).toBe('fail');
    const entry = down.checks?.['database:responseTime']?.[0];
    expect(entry).toMatchObject({ status: 'fail', componentType: 'datastore' });
    expect(entry?.output).toMatch(/ECONNREFUSED|terminat|57P01|shut/i);
    expect(entry?.output).not.toMatch(/postgres@/);

    await server.start();
    const up = await health.readiness();
    expect(up.status).toBe('pass');
    await health.close();
  });
});
