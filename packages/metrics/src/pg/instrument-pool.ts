import {
  describeError,
  options as check,
  resolveLogger,
  TelltaleConfigError,
  type Disposable,
  type DurationInput,
  type Logger,
  type MeterProviderLike,
} from '@telltale/core';
import type { DbHistogram, DbSeriesRecorder } from './duration-table.js';
import { defaultPoolName, poolTelemetry } from './pool-telemetry.js';
import { createQueryTimer } from './query-timing.js';
import type { PostgresClient, PostgresPool, SlowQueryEvent } from './types.js';

/**
 * Options of {@link instrumentPool}.
 *
 * @example
 * ```ts
 * import type { InstrumentPoolOptions } from '@telltale/metrics/pg';
 * const options: InstrumentPoolOptions = { name: 'main', slowQuery: { threshold: '250ms', sampleRate: 0.1 }, onSlowQuery: () => {} };
 * ```
 */
export interface InstrumentPoolOptions {
  /** `db.client.connection.pool.name`. Default `host:port/database` of the pool (no credentials). */
  name?: string;
  /** Log queries at or over `threshold`, a `sampleRate` share of them (default 1: all). */
  slowQuery?: { threshold: DurationInput; sampleRate?: number };
  /** Receives each sampled slow query (normalised SQL, never parameters). Default: `logger.warn`. */
  onSlowQuery?: (event: SlowQueryEvent) => void;
  /**
   * Record `db.client.operation.duration` here. Default `'auto'`: only when no
   * OpenTelemetry instrumentation wraps `pg` (as `@telltale/node` does), so a
   * query is never counted twice.
   */
  operationDuration?: boolean | 'auto';
  /**
   * Meter provider. Default: the current global one (what `@telltale/node` registers). `false`
   * disables recording: no instrument or pool-state callback is registered and nothing is
   * recorded (slow-query events are still reported).
   */
  meterProvider?: MeterProviderLike | false;
  /** pino-compatible logger; the default slow-query sink. Silent by default. */
  logger?: Partial<Logger>;
  /** Source of randomness for sampling, `[0, 1)`. Default `Math.random`. */
  random?: () => number;
}

/** A pool instrumented by {@link instrumentPool}; `dispose()` stops recording. */
export interface InstrumentedPool extends Disposable {
  /** The `db.client.connection.pool.name` its series carry. */
  readonly poolName: string;
  [Symbol.dispose](): void;
}

const INSTRUMENTED = Symbol.for('telltale.metrics.pg.instrumented');
/** pg-pool's message when `connectionTimeoutMillis` passes before a client is free. */
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

type Connect = (this: unknown, ...args: unknown[]) => unknown;
type ConnectCallback = (error: unknown, client?: PostgresClient, release?: unknown) => unknown;

function resolveSlowQuery(options: InstrumentPoolOptions, logger: Logger) {
  if (options.slowQuery === undefined) {
    if (options.onSlowQuery !== undefined) {
      throw new TelltaleConfigError({
        option: 'slowQuery',
        value: undefined,
        expected: '{ threshold } when onSlowQuery is given',
      });
    }
    return undefined;
  }
  const slowQuery = check.object('slowQuery', options.slowQuery);
  if (slowQuery.threshold === undefined) {
    throw new TelltaleConfigError({ option: 'slowQuery.threshold', value: undefined, expected: 'a duration' });
  }
  const sink = check.optionalFunction<(event: SlowQueryEvent) => void>('onSlowQuery', options.onSlowQuery);
  if (sink === undefined && options.logger === undefined) {
    throw new TelltaleConfigError({
      option: 'onSlowQuery',
      value: undefined,
      expected: 'a function (or a logger) to receive slow queries',
    });
  }
  return {
    thresholdSeconds: check.duration('slowQuery.threshold', slowQuery.threshold) / 1000,
    sampleRate: check.numberInRange('slowQuery.sampleRate', slowQuery.sampleRate, 0, 1, 1),
    random: check.optionalFunction<() => number>('random', options.random) ?? Math.random,
    sink: sink ?? ((event: SlowQueryEvent) => logger.warn({ ...event }, 'slow query')),
  };
}

/**
 * Instruments a `pg` pool: pool gauges (`db.client.connection.count` by
 * state, `.max`, `.pending_requests`), `db.client.connection.wait_time` and
 * `.timeouts`, a sampled slow-query log with normalised SQL, `db` time in the
 * request's `Server-Timing`, and `db.client.operation.duration` unless the
 * OpenTelemetry pg instrumentation already records it. The series reach
 * `@telltale/node`'s `/metrics` with no other set-up.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { instrumentPool } from '@telltale/metrics/pg';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const instrumented = instrumentPool(pool, {
 *   name: 'readings',
 *   slowQuery: { threshold: '200ms', sampleRate: 0.1 },
 *   onSlowQuery: ({ sql, durationSeconds }) => console.warn('slow query', durationSeconds, sql),
 * });
 * // on shutdown
 * instrumented.dispose();
 * ```
 */
export function instrumentPool(pool: PostgresPool, options: InstrumentPoolOptions = {}): InstrumentedPool {
  check.object('options', options);
  if (typeof pool !== 'object' || pool === null || typeof pool.connect !== 'function') {
    throw new TelltaleConfigError({ option: 'pool', value: pool, expected: 'a pg.Pool' });
  }
  const target = pool as PostgresPool & { [INSTRUMENTED]?: true };
  if (target[INSTRUMENTED]) {
    throw new TelltaleConfigError({
      option: 'pool',
      value: 'an instrumented pool',
      expected: 'a pool not instrumented yet (dispose the previous instrumentPool first)',
    });
  }
  const logger = resolveLogger(options.logger);
  const poolName = check.nonEmptyString('name', options.name, defaultPoolName(pool));
  const operationDuration = options.operationDuration ?? 'auto';
  if (operationDuration !== 'auto' && typeof operationDuration !== 'boolean') {
    throw new TelltaleConfigError({
      option: 'operationDuration',
      value: operationDuration,
      expected: "true, false or 'auto'",
    });
  }
  const slowQuery = resolveSlowQuery(options, logger);

  let disposed = false;
  const telemetry = poolTelemetry(pool, poolName, options.meterProvider);
  const named = { 'db.client.connection.pool.name': poolName };
  const timeClient = createQueryTimer({
    telemetry,
    poolName,
    operationDuration,
    slowQuery,
    onSlowQuery: (event) => {
      try {
        slowQuery?.sink(event);
      } catch (error) {
        logger.warn({ err: describeError(error) }, '@telltale/metrics: onSlowQuery listener threw');
      }
    },
    isDisposed: () => disposed,
  });

  // The wait-time series of this pool, found once per histogram (the global provider may change).
  let waitHistogram: DbHistogram | undefined;
  let waitSeries: DbSeriesRecorder | undefined;
  const connected = (started: number, error: unknown, client: PostgresClient | undefined): void => {
    const state = telemetry.instruments();
    if (error === undefined || error === null) {
      if (client !== undefined) timeClient(client);
      if (state.recording) {
        if (state.instruments.waitTime !== waitHistogram) {
          waitHistogram = state.instruments.waitTime;
          waitSeries = waitHistogram.series(named);
        }
        waitSeries!.record((performance.now() - started) / 1000);
      }
    } else if (state.recording && (error as { message?: unknown }).message === POOL_TIMEOUT) {
      state.instruments.timeouts.add(1, named);
    }
  };

  const hadOwnConnect = Object.hasOwn(pool, 'connect');
  const originalConnect = pool.connect as unknown as Connect;
  // An own property, so pool.query (which calls this.connect) is covered too.
  (pool as unknown as { connect: Connect }).connect = function connect(this: unknown, ...args: unknown[]): unknown {
    if (disposed) return originalConnect.apply(this, args);
    const started = performance.now();
    const callback = args[0];
    if (typeof callback === 'function') {
      return originalConnect.call(this, (error: unknown, client?: PostgresClient, release?: unknown) => {
        connected(started, error, client);
        return (callback as ConnectCallback)(error, client, release);
      });
    }
    return (originalConnect.call(this) as Promise<PostgresClient>).then(
      (client) => {
        connected(started, undefined, client);
        return client;
      },
      (error: unknown) => {
        connected(started, error ?? 'error', undefined);
        throw error;
      },
    );
  };
  target[INSTRUMENTED] = true;

  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    telemetry.dispose();
    if (hadOwnConnect) (pool as unknown as { connect: Connect }).connect = originalConnect;
    else delete (pool as unknown as { connect?: Connect }).connect;
    delete target[INSTRUMENTED];
  };
  return { poolName, dispose, [Symbol.dispose]: dispose };
}
