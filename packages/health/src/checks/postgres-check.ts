import { options as validate, TelltaleConfigError } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';
import { resolveProbeSettings, runProbe, type DatastoreCheckOptions } from './datastore-probe.js';

/** A client checked out of a pool: what the probe needs (a `pg.PoolClient` fits). */
export interface PostgresProbeClient {
  query(config: { text: string }): Promise<unknown>;
  release(destroy?: boolean | Error): void;
}

/** The pool the check borrows a client from (a `pg.Pool` fits). */
export interface PostgresProbePool {
  connect(): Promise<PostgresProbeClient>;
}

/**
 * Options of {@link postgresCheck}.
 *
 * @example
 * ```ts
 * import type { PostgresCheckOptions } from '@telltale/health';
 * const options: PostgresCheckOptions = { degradedAfter: '500ms', timeout: '2s', query: 'SELECT 1 FROM readings LIMIT 1' };
 * ```
 */
export interface PostgresCheckOptions extends DatastoreCheckOptions {
  /** The probe statement. Default `SELECT 1`. */
  query?: string;
}

/**
 * Checks PostgreSQL through the app's own `pg` pool: borrows a client, runs
 * `SELECT 1` (bounded by `timeout` on the server side too, via pg's
 * `query_timeout`) and observes the round trip in ms, including the wait for
 * a free connection, so a saturated pool shows as degraded. `warn` at
 * `degradedAfter`, `fail` when Postgres is down, refuses connections or does
 * not answer within `timeout`. A client that failed or answered late is
 * destroyed, never returned to the pool.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createHealthRegistry, postgresCheck } from '@telltale/health';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const health = createHealthRegistry();
 * health.register('database', postgresCheck(pool, { degradedAfter: '500ms', timeout: '2s' }), {
 *   tags: ['ready'],
 *   interval: '10s',
 * });
 * ```
 */
export function postgresCheck(
  pool: PostgresProbePool,
  options: PostgresCheckOptions = {},
): HealthCheck & HealthCheckDefaults {
  if (typeof pool !== 'object' || pool === null || typeof pool.connect !== 'function') {
    throw new TelltaleConfigError({ option: 'postgresCheck.pool', value: pool, expected: 'a pg.Pool' });
  }
  const settings = resolveProbeSettings('postgresCheck', options);
  const text = validate.nonEmptyString('postgresCheck.query', options.query, 'SELECT 1');
  const check: HealthCheck = ({ signal }) =>
    runProbe('postgres', settings, signal, async (isAbandoned) => {
      const client = await pool.connect();
      if (isAbandoned()) {
        client.release(true);
        return;
      }
      try {
        // query_timeout makes pg give up on its side as well, so the client is not stuck behind our timeout.
        await client.query({ text, query_timeout: settings.timeout } as { text: string });
      } catch (error) {
        client.release(true);
        throw error;
      }
      if (isAbandoned()) client.release(true);
      else client.release();
    });
  return Object.assign(check, { measurement: 'responseTime', componentType: 'datastore' });
}
