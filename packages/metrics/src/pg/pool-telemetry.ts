import type { Attributes, BatchObservableCallback, Counter } from '@opentelemetry/api';
import type { MeterProviderLike } from '@telltale/core';
import { instrumentSource, type InstrumentState } from '../meter.js';
import { dbHistogramsFor, type DbHistogram } from './duration-table.js';
import type { PostgresPool } from './types.js';

export { DB_DURATION_BUCKETS } from './duration-table.js';

/**
 * Synchronous instruments of one pool; the gauges are observed at collection.
 * The histograms are shared by every pool on the provider (pre-aggregated when
 * `@telltale/node`'s producer slot is there, see `duration-table.ts`).
 */
export interface PoolInstruments {
  readonly operationDuration: DbHistogram;
  readonly waitTime: DbHistogram;
  readonly timeouts: Counter;
}

/** Instruments for one pool, rebuilt when the global meter provider changes, and their observer's removal. */
export interface PoolTelemetry {
  readonly instruments: () => InstrumentState<PoolInstruments>;
  dispose(): void;
}

/**
 * Pool gauges (`db.client.connection.count` by state, `.max`,
 * `.pending_requests`) read from the pool's own counters at collection time:
 * nothing on the hot path, and exact even while requests queue (event-driven
 * counters only move when a client is acquired or released).
 */
export function poolTelemetry(
  pool: PostgresPool,
  poolName: string,
  meterProvider: MeterProviderLike | false | undefined,
): PoolTelemetry {
  const named: Attributes = { 'db.client.connection.pool.name': poolName };
  const idle: Attributes = { ...named, 'db.client.connection.state': 'idle' };
  const used: Attributes = { ...named, 'db.client.connection.state': 'used' };
  let removeObserver: (() => void) | undefined;
  let disposed = false;

  const instruments = instrumentSource(meterProvider, (meter, provider): PoolInstruments => {
    removeObserver?.();
    removeObserver = undefined;
    const count = meter.createObservableUpDownCounter('db.client.connection.count', {
      description: 'The number of connections that are currently in state described by the state attribute.',
      unit: '{connection}',
    });
    const max = meter.createObservableUpDownCounter('db.client.connection.max', {
      description: 'The maximum number of open connections allowed.',
      unit: '{connection}',
    });
    const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', {
      description: 'The number of current pending requests for an open connection.',
      unit: '{request}',
    });
    const observe: BatchObservableCallback = (result) => {
      const idleCount = pool.idleCount;
      result.observe(count, idleCount, idle);
      result.observe(count, Math.max(0, pool.totalCount - idleCount), used);
      result.observe(max, pool.options.max ?? 10, named);
      result.observe(pending, pool.waitingCount, named);
    };
    if (!disposed) {
      meter.addBatchObservableCallback(observe, [count, max, pending]);
      removeObserver = () => meter.removeBatchObservableCallback(observe, [count, max, pending]);
    }
    const histograms = dbHistogramsFor(provider, meter);
    return {
      operationDuration: histograms.operationDuration,
      waitTime: histograms.waitTime,
      timeouts: meter.createCounter('db.client.connection.timeouts', {
        description:
          'The number of connection timeouts that have occurred trying to obtain a connection from the pool.',
        unit: '{timeout}',
      }),
    };
  });
  instruments();
  return {
    instruments,
    dispose() {
      disposed = true;
      removeObserver?.();
      removeObserver = undefined;
    },
  };
}

/**
 * `db.client.connection.pool.name`: the `name` option, else
 * `host:port/database` from the pool's options or connection string
 * (never its user or password).
 */
export function defaultPoolName(pool: PostgresPool): string {
  const options = pool.options;
  let host = options.host;
  let port = options.port;
  let database = options.database;
  if (options.connectionString !== undefined && URL.canParse(options.connectionString)) {
    const url = new URL(options.connectionString);
    host ??= decodeURIComponent(url.hostname) || undefined;
    port ??= url.port === '' ? undefined : Number(url.port);
    database ??= decodeURIComponent(url.pathname.slice(1)) || undefined;
  }
  return `${host ?? 'localhost'}:${port ?? 5432}/${database ?? 'postgres'}`;
}
