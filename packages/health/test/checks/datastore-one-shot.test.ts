import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneShot } from '../../../../test-support/one-shot.js';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../../test-support/postgres-server.js';

const missing = missingPostgres();

// Each script awaits the checks in a bare `node` process: an unref'ed timeout would
// make Node exit with code 13 and print nothing; a leaked socket would keep it alive.
async function run(body: string, env: Record<string, string>): Promise<unknown> {
  const result = await runOneShot(body, { package: 'health', timeoutMs: 15_000, env });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

describe.skipIf(missing)('datastore checks in a one-shot process', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => server?.close());

  it('postgresCheck passes, times out with TELLTALE_TIMEOUT, and the process still exits after pool.end()', async () => {
    const outcome = await run(
      `
import pg from 'pg';
import { postgresCheck } from '@telltale/health';
const signal = new AbortController().signal;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const pass = await postgresCheck(pool)({ signal });
const slow = await postgresCheck(pool, { query: 'SELECT pg_sleep(5)', timeout: '200ms' })({ signal }).catch((error) => error.code);
await pool.end();
console.log(JSON.stringify({ pass: pass.status, slow }));`,
      { DATABASE_URL: server.url },
    );
    expect(outcome).toEqual({ pass: 'pass', slow: 'TELLTALE_TIMEOUT' });
  });
});

describe('redisCheck in a one-shot process', () => {
  it('redisCheck answers TELLTALE_TIMEOUT for a ping that never settles instead of exiting silently', async () => {
    const outcome = await run(
      `
import { redisCheck } from '@telltale/health';
const check = redisCheck({ ping: () => new Promise(() => {}) }, { timeout: '200ms' });
const code = await check({ signal: new AbortController().signal }).catch((error) => error.code);
console.log(JSON.stringify({ code }));`,
      {},
    );
    expect(outcome).toEqual({ code: 'TELLTALE_TIMEOUT' });
  });
});
