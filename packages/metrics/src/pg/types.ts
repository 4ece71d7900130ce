/**
 * The parts of a `pg` client Telltale uses. Structural, so `@telltale/metrics`
 * needs neither `pg` nor `@types/pg` at compile time; a `pg.PoolClient` fits.
 */
export interface PostgresClient {
  query: (...args: never[]) => unknown;
  /** Database the client is connected to (`db.namespace`). */
  readonly database?: string | undefined;
}

/** The parts of a `pg.Pool` that {@link instrumentPool} reads and wraps; a `pg.Pool` fits. */
export interface PostgresPool {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: {
    readonly max?: number | undefined;
    readonly host?: string | undefined;
    readonly port?: number | undefined;
    readonly database?: string | undefined;
    readonly connectionString?: string | undefined;
  };
  connect: (...args: never[]) => unknown;
}

/**
 * What the slow-query log receives: normalised SQL, never parameter values.
 *
 * @example
 * ```ts
 * import type { SlowQueryEvent } from '@telltale/metrics/pg';
 * const event: SlowQueryEvent = { sql: 'SELECT * FROM readings WHERE id = $1', durationSeconds: 0.42, operation: 'SELECT', pool: 'main' };
 * ```
 */
export interface SlowQueryEvent {
  /** The statement with every literal replaced by `?` and comments removed (placeholders `$1` kept). */
  readonly sql: string;
  readonly durationSeconds: number;
  /** `db.operation.name` (`SELECT`, `INSERT`, ...), when the statement starts with a keyword. */
  readonly operation: string | undefined;
  /** `db.client.connection.pool.name` of the pool. */
  readonly pool: string;
  /** The query failed: SQLSTATE code (`57014` for a cancelled statement) or error class name. */
  readonly errorType?: string;
}
