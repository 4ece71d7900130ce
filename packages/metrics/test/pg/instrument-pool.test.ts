import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../../test-support/postgres-server.js';
import { instrumentPool, type SlowQueryEvent } from '../../src/pg/index.js';
import { createRequestTiming, runWithRequestTiming } from '../../src/server-timing/request-timing.js';
import { createTestMeter } from '../support.js';

const missing = missingPostgres();

type Point = { attributes: Record<string, unknown>; value: unknown };

describe('instrumentPool', () => {
  it('rejects bad options naming the option', () => {
    const pool = new pg.Pool({ max: 1 });
    expect(() => instrumentPool({} as pg.Pool)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    expect(() => instrumentPool(pool, { slowQuery: { threshold: 'soon' }, onSlowQuery: () => {} })).toThrow(
      /slowQuery\.threshold/,
    );
    expect(() =>
      instrumentPool(pool, { slowQuery: { threshold: '1s', sampleRate: 2 }, onSlowQuery: () => {} }),
    ).toThrow(/slowQuery\.sampleRate/);
    expect(() => instrumentPool(pool, { onSlowQuery: () => {} })).toThrow(/slowQuery/);
    expect(() => instrumentPool(pool, { slowQuery: { threshold: '1s' } })).toThrow(/onSlowQuery/);
    const first = instrumentPool(pool);
    expect(() => instrumentPool(pool)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'pool' }));
    first.dispose();
    instrumentPool(pool).dispose();
  });

  it('names the pool host:port/database from its options, never with credentials', () => {
    const pool = new pg.Pool({ connectionString: 'postgres://app:s3cret@db.internal:6543/readings' });
    const instrumented = instrumentPool(pool);
    expect(instrumented.poolName).toBe('db.internal:6543/readings');
    instrumented.dispose();
  });
});

describe.skipIf(missing)('instrumentPool against PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => server?.close());

  const newPool = (config: pg.PoolConfig = {}) => {
    const pool = new pg.Pool({ connectionString: server.url, ...config });
    pool.on('error', () => {});
    return pool;
  };

  it('records db.client.operation.duration for SELECT and INSERT with semconv attributes, no SQL or parameters', async () => {
    const telemetry = createTestMeter();
    const pool = newPool();
    const instrumented = instrumentPool(pool, { name: 'readings', meterProvider: telemetry.meterProvider });
    await pool.query('CREATE TABLE readings (id int PRIMARY KEY, body text)');
    await pool.query('INSERT INTO readings VALUES ($1, $2)', [1, 'private-body']);
    await pool.query('INSERT INTO readings VALUES ($1, $2)', [2, 'private-body']);
    const client = await pool.connect();
    await client.query('select body from readings where id = $1', [1]);
    await new Promise<void>((resolve, reject) =>
      client.query('SELECT count(*) FROM readings', (error) => (error ? reject(error) : resolve())),
    );
    client.release();
    await expect(pool.query('SELECT missing_column FROM readings')).rejects.toMatchObject({ code: '42703' });

    const series = await telemetry.histogram('db.client.operation.duration');
    const byOperation = Object.fromEntries(
      series.map((one) => [
        `${String(one.attributes['db.operation.name'])}${one.attributes['error.type'] ? ' error' : ''}`,
        one,
      ]),
    );
    expect(Object.keys(byOperation).sort()).toEqual(['CREATE', 'INSERT', 'SELECT', 'SELECT error']);
    expect(byOperation.INSERT!.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.namespace': 'postgres',
      'db.operation.name': 'INSERT',
    });
    expect(byOperation.INSERT!.count).toBe(2);
    expect(byOperation.SELECT!.count).toBe(2);
    expect(byOperation['SELECT error']!.attributes['error.type']).toBe('42703');
    expect(byOperation.SELECT!.boundaries).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
    expect(byOperation.SELECT!.sum).toBeGreaterThan(0);
    const allAttributes = JSON.stringify(series.map((one) => one.attributes));
    expect(allAttributes).not.toMatch(/private-body|readings WHERE|\$1/i);

    instrumented.dispose();
    await pool.query('SELECT 1');
    expect(
      (await telemetry.histogram('db.client.operation.duration')).find(
        (one) => one.attributes['db.operation.name'] === 'SELECT',
      )?.count,
    ).toBe(2);
    await pool.end();
  });

  it('moves the pool gauges under a saturating load and counts wait time and timeouts', async () => {
    const telemetry = createTestMeter();
    const pool = newPool({ max: 2, connectionTimeoutMillis: 5_000 });
    instrumentPool(pool, { name: 'saturated', meterProvider: telemetry.meterProvider });
    const gauges = async () => {
      const read = async (name: string) => ((await telemetry.collect(name))?.dataPoints ?? []) as Point[];
      const count = await read('db.client.connection.count');
      const state = (which: string) =>
        count.find((point) => point.attributes['db.client.connection.state'] === which)?.value;
      return {
        idle: state('idle'),
        used: state('used'),
        max: (await read('db.client.connection.max'))[0]?.value,
        pending: (await read('db.client.connection.pending_requests'))[0]?.value,
      };
    };
    await pool.query('SELECT 1');
    expect(await gauges()).toEqual({ idle: 1, used: 0, max: 2, pending: 0 });

    const held = await Promise.all([pool.connect(), pool.connect()]);
    const queued = [pool.query('SELECT 1'), pool.query('SELECT 2'), pool.query('SELECT 3')];
    expect(await gauges()).toEqual({ idle: 0, used: 2, max: 2, pending: 3 });
    const metric = await telemetry.collect('db.client.connection.pending_requests');
    expect(metric?.descriptor.unit).toBe('{request}');

    await new Promise((resolve) => setTimeout(resolve, 30));
    for (const client of held) client.release();
    await Promise.all(queued);
    expect(await gauges()).toEqual({ idle: 2, used: 0, max: 2, pending: 0 });

    const waits = await telemetry.histogram('db.client.connection.wait_time');
    expect(waits).toHaveLength(1);
    expect(waits[0]!.attributes).toEqual({ 'db.client.connection.pool.name': 'saturated' });
    expect(waits[0]!.count).toBe(6);
    // The three queued queries waited at least the 30 ms the clients were held.
    expect(waits[0]!.sum).toBeGreaterThanOrEqual(0.09);
    await pool.end();

    const tight = newPool({ max: 1, connectionTimeoutMillis: 50 });
    instrumentPool(tight, { name: 'tight', meterProvider: telemetry.meterProvider });
    const only = await tight.connect();
    await expect(tight.query('SELECT 1')).rejects.toThrow(/timeout exceeded/);
    await expect(tight.connect()).rejects.toThrow(/timeout exceeded/);
    only.release();
    const timeouts = ((await telemetry.collect('db.client.connection.timeouts'))?.dataPoints ?? []) as Point[];
    expect(timeouts).toEqual(
      [{ attributes: { 'db.client.connection.pool.name': 'tight' }, value: 2 }].map((one) =>
        expect.objectContaining(one),
      ),
    );
    await tight.end();
  });

  it('logs a query over the threshold with normalised SQL and without its parameters, sampled', async () => {
    const events: SlowQueryEvent[] = [];
    const pool = newPool();
    const draws = [0.2, 0.9];
    instrumentPool(pool, {
      name: 'slow',
      slowQuery: { threshold: '40ms', sampleRate: 0.5 },
      onSlowQuery: (event) => events.push(event),
      random: () => draws.shift() ?? 0,
    });
    await pool.query("SELECT pg_sleep($1), $2::text AS secret, 'literal-secret' AS other", [0.06, 'hunter2']);
    await pool.query('SELECT $1::text', ['fast-query']);
    // Over the threshold but not sampled (0.9 >= 0.5).
    await pool.query('SELECT pg_sleep(0.06)');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toEqual({
      sql: 'SELECT pg_sleep($1), $2::text AS secret, ? AS other',
      durationSeconds: expect.any(Number),
      operation: 'SELECT',
      pool: 'slow',
    });
    expect(event!.durationSeconds).toBeGreaterThanOrEqual(0.04);
    expect(JSON.stringify(events)).not.toMatch(/hunter2|literal-secret|fast-query/);
    await pool.end();
  });

  it('reports a failed slow query with its SQLSTATE and survives a throwing sink', async () => {
    const events: SlowQueryEvent[] = [];
    const warnings: unknown[] = [];
    const pool = newPool();
    instrumentPool(pool, {
      slowQuery: { threshold: 0 },
      onSlowQuery: (event) => {
        events.push(event);
        throw new Error('sink broke');
      },
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    });
    await expect(pool.query('SELECT * FROM no_such_table WHERE id = 7')).rejects.toMatchObject({ code: '42P01' });
    expect(events).toEqual([
      expect.objectContaining({ sql: 'SELECT * FROM no_such_table WHERE id = ?', errorType: '42P01' }),
    ]);
    expect(warnings).toHaveLength(1);
    await pool.end();
  });

  it("adds each query's time to the request's Server-Timing as db", async () => {
    const pool = newPool();
    instrumentPool(pool);
    const timing = createRequestTiming();
    await runWithRequestTiming(timing, async () => {
      await pool.query('SELECT pg_sleep(0.02)');
      await pool.query('SELECT 1');
    });
    expect(timing.names).toEqual(['db']);
    expect(timing.milliseconds[0]).toBeGreaterThanOrEqual(20);
    await pool.end();
  });

  it('leaves db.client.operation.duration to an OpenTelemetry instrumentation that wraps Client#query', async () => {
    const telemetry = createTestMeter();
    // shimmer (used by @opentelemetry/instrumentation-*) marks the functions it wrapped so.
    class WrappedClient extends pg.Client {}
    const original = pg.Client.prototype.query;
    const wrapped = function (this: pg.Client, ...args: unknown[]) {
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    Object.defineProperty(wrapped, '__wrapped', { value: true });
    (WrappedClient.prototype as unknown as { query: unknown }).query = wrapped;
    const pool = newPool({ Client: WrappedClient });
    const events: SlowQueryEvent[] = [];
    instrumentPool(pool, {
      meterProvider: telemetry.meterProvider,
      slowQuery: { threshold: 0 },
      onSlowQuery: (event) => events.push(event),
    });
    await pool.query('SELECT 1');
    expect(await telemetry.histogram('db.client.operation.duration')).toEqual([]);
    expect((await telemetry.histogram('db.client.connection.wait_time'))[0]?.count).toBe(1);
    expect(events).toHaveLength(1);
    await pool.end();
  });
});
