import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPostgres, startPostgresServer, type PostgresServer } from '../../../test-support/postgres-server.js';

const missing = missingPostgres();

// An ESM app as users write it: pg imported statically, before startTelemetry() runs.
const APP = `
import { createServer } from 'node:http';
import pg from 'pg';
import { startTelemetry } from '@telltale/node';
import { instrumentPool } from '@telltale/metrics/pg';

const telemetry = startTelemetry({ serviceName: 'pg-app', runtimeMetrics: false, autoDetectResources: false });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
instrumentPool(pool, { name: 'app' });
await pool.query('CREATE TABLE IF NOT EXISTS notes (id int, body text)');
await pool.query('INSERT INTO notes VALUES ($1, $2)', [1, 'private-body']);
await pool.query('SELECT body FROM notes WHERE id = $1', [1]);
await pool.query('SELECT nope FROM notes').catch(() => {});

const server = createServer(telemetry.metricsHandler);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const wrapped = pg.Client.prototype.query.__wrapped === true;
const response = await fetch('http://127.0.0.1:' + server.address().port + '/metrics');
const exposition = await response.text();
server.close();
await pool.end();
await telemetry.close();
process.stdout.write(JSON.stringify({ wrapped, exposition }));
`;

const root = join(import.meta.dirname, '..');

async function runApp(
  flags: string[],
  databaseUrl: string,
): Promise<{ code: number | null; wrapped: boolean; exposition: string; stderr: string }> {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const directory = mkdtempSync(join(root, '.tmp', 'pg-app-'));
  const script = join(directory, 'app.mjs');
  writeFileSync(script, APP);
  const environment: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  delete environment.NODE_OPTIONS;
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', ...flags, script], {
        cwd: directory,
        env: environment,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        const parsed =
          code === 0
            ? (JSON.parse(stdout) as { wrapped: boolean; exposition: string })
            : { wrapped: false, exposition: '' };
        resolve({ code, stderr, ...parsed });
      });
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Exposition lines of one metric family (name prefix), without comments. */
function lines(exposition: string, family: string): string[] {
  return exposition.split('\n').filter((line) => line.startsWith(family));
}

describe.skipIf(missing)('pg instrumentation through @telltale/node (child processes)', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => server?.close());

  it('with --import @telltale/node/register: query durations from instrumentation-pg, pool gauges from instrumentPool, no series twice', async () => {
    const result = await runApp(['--import', '@telltale/node/register'], server.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.wrapped).toBe(true);
    const durations = lines(result.exposition, 'db_client_operation_duration_count');
    expect(durations.length).toBeGreaterThanOrEqual(4);
    expect(durations.every((line) => line.includes('otel_scope_name="@opentelemetry/instrumentation-pg"'))).toBe(true);
    const insert = durations.find((line) => line.includes('db_operation_name="INSERT"'));
    expect(insert).toMatch(/db_system_name="postgresql"/);
    expect(insert).toMatch(/db_namespace="postgres"/);
    expect(insert).toMatch(/ 1$/);
    expect(durations.some((line) => line.includes('error_type="42703"'))).toBe(true);

    const pool = lines(result.exposition, 'db_client_connection_');
    expect(pool.length).toBeGreaterThanOrEqual(5);
    expect(pool.every((line) => line.includes('otel_scope_name="@telltale/metrics"'))).toBe(true);
    expect(pool).toContainEqual(
      expect.stringMatching(/^db_client_connection_max\{.*db_client_connection_pool_name="app".*\} 3$/),
    );
    expect(lines(result.exposition, 'db_client_connection_wait_time_count')).toHaveLength(1);
    expect(result.exposition).not.toMatch(/private-body|FROM notes/);
  });

  it('without the register hook: pg loads unpatched and instrumentPool records the durations itself, still once', async () => {
    const result = await runApp([], server.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.wrapped).toBe(false);
    const durations = lines(result.exposition, 'db_client_operation_duration_count');
    expect(durations.length).toBeGreaterThanOrEqual(4);
    expect(durations.every((line) => line.includes('otel_scope_name="@telltale/metrics"'))).toBe(true);
    expect(durations.find((line) => line.includes('db_operation_name="INSERT"'))).toMatch(/ 1$/);
  });
});
