import { metrics, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import {
  MeterProvider,
  MetricReader,
  type CollectionResult,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../../test-support/peers.js';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../../test-support/postgres-server.js';
import { startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { dbHistogramsFor } from '../../src/pg/duration-table.js';
import { instrumentPool } from '../../src/pg/index.js';
import { instrumentRedis } from '../../src/redis/index.js';

class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

// What @telltale/node's startTelemetry does: a delegating producer on the reader, announced under this symbol.
const SLOTS = Symbol.for('telltale.metrics.producerSlots');

/** A provider like startTelemetry's (`slot: true`) or a plain SDK one, and every metric it exports by name. */
function telemetry(slot: boolean) {
  const producers: MetricProducer[] = [];
  const delegate: MetricProducer & { producers: MetricProducer[] } = {
    producers,
    async collect(options) {
      const results: CollectionResult[] = await Promise.all(producers.map((producer) => producer.collect(options)));
      return {
        resourceMetrics: {
          resource: undefined as never,
          scopeMetrics: results.flatMap((result) => result.resourceMetrics.scopeMetrics),
        },
        errors: [],
      };
    },
  };
  const reader = new TestReader(slot ? { metricProducers: [delegate] } : {});
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (slot) {
    const registry = ((globalThis as Record<symbol, unknown>)[SLOTS] ??= new WeakMap()) as WeakMap<object, unknown>;
    registry.set(meterProvider, delegate);
  }
  const all = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.filter((metric) => metric.descriptor.name === name),
    ) as HistogramMetricData[];
  };
  const points = async (name: string) => {
    const found = await all(name);
    expect(found).toHaveLength(1);
    return found[0]!.dataPoints
      .map((point) => ({
        attributes: point.attributes,
        count: point.value.count,
        boundaries: point.value.buckets.boundaries,
        total: point.value.buckets.counts.reduce((sum, count) => sum + count, 0),
      }))
      .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
  };
  return { meterProvider, producers, all, points };
}

describe('pre-aggregated database histograms', () => {
  it('bucket, sum, min and max exactly as the SDK histogram does, and only through the slot', async () => {
    const sdk = telemetry(false);
    const slotted = telemetry(true);
    const values = [0, 0.0004, 0.001, 0.0015, 0.005, 0.05, 0.7, 10, 11, -1];
    const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' };
    for (const target of [sdk, slotted]) {
      const provider = target.meterProvider as unknown as ApiMeterProvider;
      const series = dbHistogramsFor(provider, provider.getMeter('@telltale/metrics')).operationDuration.series(
        attributes,
      );
      for (const value of values) series.record(value);
    }
    expect(sdk.producers).toHaveLength(0);
    expect(slotted.producers).toHaveLength(1);
    const [expected] = (await sdk.all('db.client.operation.duration'))[0]!.dataPoints;
    const [actual] = (await slotted.all('db.client.operation.duration'))[0]!.dataPoints;
    expect(actual!.attributes).toEqual(expected!.attributes);
    expect(actual!.value).toEqual(expected!.value);
    expect(actual!.value.count).toBe(9);
  });

  it('folds attribute sets beyond the SDK cardinality limit into one overflow series, as the SDK does', async () => {
    const sdk = telemetry(false);
    const slotted = telemetry(true);
    for (const target of [sdk, slotted]) {
      const provider = target.meterProvider as unknown as ApiMeterProvider;
      const histogram = dbHistogramsFor(provider, provider.getMeter('@telltale/metrics')).waitTime;
      for (let index = 0; index < 2100; index++)
        histogram.series({ 'db.client.connection.pool.name': `p${index}` }).record(0.002);
    }
    const expected = await sdk.points('db.client.connection.wait_time');
    const actual = await slotted.points('db.client.connection.wait_time');
    expect(actual).toHaveLength(2000);
    expect(actual).toEqual(expected);
    expect(actual.find((point) => point.attributes['otel.metric.overflow'] === true)?.count).toBe(101);
  });
});

describe.skipIf(missingPostgres())('instrumentPool with a producer slot, against PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => server?.close());

  it('exports the same series (names, attributes, buckets, counts) as on the SDK histogram, each once', async () => {
    const run = async (slot: boolean) => {
      const target = telemetry(slot);
      const pool = new pg.Pool({ connectionString: server.url, max: 2 });
      const instrumented = instrumentPool(pool, { name: 'readings', meterProvider: target.meterProvider });
      await pool.query('CREATE TEMP TABLE IF NOT EXISTS readings (id int)');
      await pool.query('INSERT INTO readings VALUES ($1)', [1]);
      for (let index = 0; index < 3; index++) await pool.query('SELECT $1::int AS n', [index]);
      await expect(pool.query('SELECT nope FROM readings')).rejects.toThrow();
      const client = await pool.connect();
      await client.query('select 1');
      client.release();
      // 7 connects: 6 pool.query calls and one pool.connect.
      const result = {
        durations: await target.points('db.client.operation.duration'),
        waits: await target.points('db.client.connection.wait_time'),
      };
      instrumented.dispose();
      await pool.end();
      return { result, producers: target.producers.length };
    };
    const sdk = await run(false);
    const slotted = await run(true);
    expect(slotted.producers).toBe(1);
    expect(slotted.result).toEqual(sdk.result);
    const select = slotted.result.durations.find(
      (point) => point.attributes['db.operation.name'] === 'SELECT' && point.attributes['error.type'] === undefined,
    );
    expect(select?.count).toBe(4);
    expect(select?.boundaries).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
    expect(slotted.result.durations.find((point) => point.attributes['error.type'] === '42703')?.count).toBe(1);
    expect(slotted.result.waits).toEqual([
      expect.objectContaining({ attributes: { 'db.client.connection.pool.name': 'readings' }, count: 7 }),
    ]);
  });
  it('follows a change of the global meter provider: the next query records on the new one', async () => {
    const first = telemetry(true);
    const second = telemetry(false);
    const pool = new pg.Pool({ connectionString: server.url, max: 1 });
    const instrumented = instrumentPool(pool, { name: 'global' });
    try {
      metrics.setGlobalMeterProvider(first.meterProvider);
      await pool.query('SELECT 1');
      metrics.disable();
      metrics.setGlobalMeterProvider(second.meterProvider);
      await pool.query('SELECT 2');
      await pool.query('SELECT 3');
      for (const [target, count] of [
        [first, 1],
        [second, 2],
      ] as const) {
        const points = await target.points('db.client.operation.duration');
        expect(points.map((point) => [point.attributes['db.operation.name'], point.count])).toEqual([
          ['SELECT', count],
        ]);
        expect((await target.points('db.client.connection.wait_time'))[0]?.count).toBe(count);
      }
    } finally {
      metrics.disable();
      instrumented.dispose();
      await pool.end();
    }
  });
});

describe.skipIf(missingPeer('redis-server'))('instrumentRedis with a producer slot, against redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.close());

  it('exports the same command series as on the SDK histogram', async () => {
    const run = async (slot: boolean) => {
      const target = telemetry(slot);
      const client = new Redis(server.url, { db: 2 });
      const instrumented = instrumentRedis(client, { meterProvider: target.meterProvider });
      await client.set('reading:1', 'x');
      await client.get('reading:1');
      await client.get('reading:2');
      await expect(client.hget('reading:1', 'field')).rejects.toThrow(/WRONGTYPE/);
      const points = await target.points('db.client.operation.duration');
      instrumented.dispose();
      client.disconnect();
      return points;
    };
    const sdk = await run(false);
    const slotted = await run(true);
    expect(slotted).toEqual(sdk);
    expect(slotted.find((point) => point.attributes['db.operation.name'] === 'GET')?.count).toBe(2);
    expect(slotted.find((point) => point.attributes['error.type'] === 'WRONGTYPE')?.count).toBe(1);
  });
});
