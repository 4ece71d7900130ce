export { instrumentPool } from './instrument-pool.js';
export type { InstrumentPoolOptions, InstrumentedPool } from './instrument-pool.js';
export { normalizeSql } from './normalize-sql.js';
export type { PostgresPool, PostgresClient, SlowQueryEvent } from './types.js';
