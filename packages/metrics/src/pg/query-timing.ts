import type { Attributes } from '@opentelemetry/api';
import { errorTypeOf } from '../attributes.js';
import { addToRequestTiming, currentRequestTiming, type RequestTiming } from '../server-timing/request-timing.js';
import { normalizeSql, operationName } from './normalize-sql.js';
import type { DbHistogram, DbSeriesRecorder } from './duration-table.js';
import type { PoolTelemetry } from './pool-telemetry.js';
import type { PostgresClient, SlowQueryEvent } from './types.js';

/** How queries of one instrumented pool are timed. */
export interface QueryTimingOptions {
  readonly telemetry: PoolTelemetry;
  readonly poolName: string;
  /** `'auto'`: record `db.client.operation.duration` unless an OpenTelemetry instrumentation already does. */
  readonly operationDuration: boolean | 'auto';
  /** Slow-query log, when enabled. */
  readonly slowQuery: { thresholdSeconds: number; sampleRate: number; random: () => number } | undefined;
  readonly onSlowQuery: (event: SlowQueryEvent) => void;
  readonly isDisposed: () => boolean;
}

type Callback = (error: unknown, ...rest: unknown[]) => unknown;
type Query = (this: unknown, ...args: unknown[]) => unknown;

/** shimmer (used by every OpenTelemetry instrumentation) marks what it wrapped with `__wrapped`. */
function isWrappedByInstrumentation(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { __wrapped?: unknown }).__wrapped === true;
}

/** `error.type`: the SQLSTATE code of a server error (bounded by the protocol), else the class name. */
export function postgresErrorType(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return errorTypeOf(error);
}

function queryText(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  const text = (first as { text?: unknown } | null | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

/** Statements whose operation name is remembered: queries are mostly a few constant texts. */
const MAX_REMEMBERED_TEXTS = 1000;
const MAX_REMEMBERED_TEXT_LENGTH = 2048;
/** (database, operation, error.type) triples whose series is remembered; the rest is looked up by attributes. */
const MAX_REMEMBERED_SERIES = 1000;

/**
 * The `db.client.operation.duration` series of each (database, operation,
 * error.type), found once per histogram: a query then costs two Map lookups
 * by strings the driver and {@link operationOf} already hold (their hashes
 * are cached), no attribute object and no hashing in the SDK.
 */
class SeriesCache {
  private histogram: DbHistogram | undefined;
  private byDatabase = new Map<string | undefined, Map<string | undefined, DbSeriesRecorder>>();
  private size = 0;

  recorder(
    histogram: DbHistogram,
    database: string | undefined,
    operation: string | undefined,
    errorType?: string,
  ): DbSeriesRecorder {
    if (histogram !== this.histogram) {
      // The global meter provider changed: series of the previous one are not ours to feed any more.
      this.histogram = histogram;
      this.byDatabase = new Map<string | undefined, Map<string | undefined, DbSeriesRecorder>>();
      this.size = 0;
    }
    if (errorType !== undefined) return histogram.series(attributesOf(database, operation, errorType));
    let byOperation = this.byDatabase.get(database);
    let recorder = byOperation?.get(operation);
    if (recorder !== undefined) return recorder;
    recorder = histogram.series(attributesOf(database, operation, undefined));
    if (this.size < MAX_REMEMBERED_SERIES) {
      if (byOperation === undefined)
        this.byDatabase.set(database, (byOperation = new Map<string | undefined, DbSeriesRecorder>()));
      byOperation.set(operation, recorder);
      this.size++;
    }
    return recorder;
  }
}

function attributesOf(database: string | undefined, operation: string | undefined, errorType: string | undefined) {
  const attributes: Attributes = { 'db.system.name': 'postgresql' };
  if (database !== undefined) attributes['db.namespace'] = database;
  if (operation !== undefined) attributes['db.operation.name'] = operation;
  if (errorType !== undefined) attributes['error.type'] = errorType;
  return attributes;
}

/**
 * Returns a function that wraps `client.query` of each client once: the
 * wrapper times the query, adds it to the request's `Server-Timing` (`db`),
 * records the duration histogram when needed and feeds the slow-query log.
 * Parameters are never read; the SQL text is only parsed for its first
 * keyword (remembered per text) and normalised for a sampled slow query.
 */
export function createQueryTimer(options: QueryTimingOptions): (client: PostgresClient) => void {
  const marker = Symbol('telltale.pg.timedQuery');
  const series = new SeriesCache();
  const operations = new Map<string, string | undefined>();
  const { telemetry, slowQuery, onSlowQuery, isDisposed } = options;

  const operationOf = (text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const known = operations.get(text);
    if (known !== undefined || operations.has(text)) return known;
    const operation = operationName(text);
    // Short texts only: a statement built per call (a bulk INSERT) would pin large strings.
    if (operations.size < MAX_REMEMBERED_TEXTS && text.length <= MAX_REMEMBERED_TEXT_LENGTH) {
      operations.set(text, operation);
    }
    return operation;
  };

  const finish = (
    recordDuration: boolean,
    database: string | undefined,
    started: number,
    text: string | undefined,
    error: unknown,
    timing: RequestTiming | undefined,
  ) => {
    const milliseconds = performance.now() - started;
    addToRequestTiming(timing, 'db', milliseconds);
    const seconds = milliseconds / 1000;
    // The normaliser runs only here, for a query over the threshold that the sample keeps.
    const slow = slowQuery !== undefined && seconds >= slowQuery.thresholdSeconds;
    if (!recordDuration && !slow) return;
    const operation = operationOf(text);
    const errorType = error === undefined || error === null ? undefined : postgresErrorType(error);
    if (recordDuration) {
      const state = telemetry.instruments();
      if (state.recording)
        series.recorder(state.instruments.operationDuration, database, operation, errorType).record(seconds);
    }
    if (slow && slowQuery.random() < slowQuery.sampleRate) {
      const event: { -readonly [K in keyof SlowQueryEvent]: SlowQueryEvent[K] } = {
        sql: text === undefined ? '' : normalizeSql(text),
        durationSeconds: seconds,
        operation,
        pool: options.poolName,
      };
      if (errorType !== undefined) event.errorType = errorType;
      onSlowQuery(event);
    }
  };

  return (client) => {
    const target = client as PostgresClient & { [marker]?: true };
    if (target[marker]) return;
    target[marker] = true;
    const original = client.query as unknown as Query;
    const recordDuration =
      options.operationDuration === 'auto' ? !isWrappedByInstrumentation(original) : options.operationDuration;

    (client as { query: Query }).query = function query(this: unknown, ...args: unknown[]): unknown {
      if (isDisposed()) return original.apply(this, args);
      const started = performance.now();
      // Captured now: pg completes `pool.query` through callbacks that run outside the request's async context.
      const timing = currentRequestTiming();
      const text = queryText(args[0]);
      const database = client.database;
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        // Anonymous on purpose: no per-query function naming (pg passes `(error, result)`).
        args[last] = function (this: unknown, error: unknown, result: unknown) {
          finish(recordDuration, database, started, text, error, timing);
          return (callback as Callback).call(this, error, result);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args);
      if (result !== null && typeof result === 'object') {
        if (typeof (result as PromiseLike<unknown>).then === 'function') {
          (result as PromiseLike<unknown>).then(
            () => finish(recordDuration, database, started, text, undefined, timing),
            (error: unknown) => finish(recordDuration, database, started, text, error ?? 'error', timing),
          );
        } else if (typeof (result as { once?: unknown }).once === 'function') {
          // A Submittable (pg-cursor, pg-query-stream): done when it ends or fails.
          const emitter = result as { once(event: string, listener: (error?: unknown) => void): unknown };
          let settled = false;
          const settle = (error?: unknown) => {
            if (settled) return;
            settled = true;
            finish(recordDuration, database, started, text, error, timing);
          };
          emitter.once('end', () => settle());
          emitter.once('error', (error) => settle(error ?? 'error'));
        }
      }
      return result;
    };
  };
}
