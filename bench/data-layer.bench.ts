// CPU cost per PostgreSQL query and per Redis command of the data-layer
// instrumentation, against a real Postgres (initdb'd in a temp dir) and a real
// redis-server, in this process only (the servers' CPU is not counted).
//
// pg, sequential `SELECT $1::int` on one connection per variant:
//   raw pg                        the floor: pg 8 unpatched
//   instrumentPool                @telltale/metrics/pg recording db.client.operation.duration itself
//   instrumentation-pg            @opentelemetry/instrumentation-pg 0.76.0 alone (as @telltale/node
//                                 registers it: meter provider set, no tracer provider, so spans are no-ops)
//   instrumentation-pg + instrumentPool
//                                 what an @telltale/node app gets: OTel records durations,
//                                 instrumentPool adds wait time, gauges, slow-query log, Server-Timing
// Redis, sequential GET: raw ioredis vs instrumentRedis.
//
// Variants run interleaved (round-robin), BENCH_ROUNDS rounds of BENCH_QUERIES
// operations; we print the median CPU µs per operation and the added cost as
// the median of per-round differences to the floor. Target: ≤ 3 µs added per query.
import { createRequire } from 'node:module';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import type pgModule from 'pg';
import { instrumentPool } from '@telltale/metrics/pg';
import { instrumentRedis } from '@telltale/metrics/redis';
import { missingPostgres, startPostgresServer } from '../test-support/postgres-server.js';
import { missingPeer } from '../test-support/peers.js';
import { startRedisServer } from '../test-support/redis-server.js';
import { median, saveResults } from './harness.js';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
// Created before pg is loaded, so its require hook patches pg; disable()/enable() toggle it per variant.
const otel = new PgInstrumentation();
registerInstrumentations({ instrumentations: [otel], meterProvider });
const pg = createRequire(import.meta.url)('pg') as typeof pgModule;

type Operation = () => Promise<unknown>;
interface Variant {
  readonly name: string;
  readonly otelEnabled: boolean;
  readonly run: Operation;
}

/** CPU µs per operation for `count` sequential operations. */
async function measure(run: Operation, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < count; index++) await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

async function compare(title: string, variants: Variant[]) {
  const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  for (const variant of variants) {
    if (variant.otelEnabled) otel.enable();
    else otel.disable();
    await measure(variant.run, Math.min(500, QUERIES)); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      if (variant.otelEnabled) otel.enable();
      else otel.disable();
      samples.get(variant.name)!.push(await measure(variant.run, QUERIES));
    }
  }
  const floor = samples.get(variants[0]!.name)!;
  console.log(
    `\n${title}: CPU µs per operation (median of ${ROUNDS} rounds × ${QUERIES}), added vs "${variants[0]!.name}"`,
  );
  const rows: Record<string, { median: number; added: number; ratio: number }> = {};
  for (const [name, values] of samples) {
    const added = median(values.map((value, index) => value - floor[index]!));
    const row = { median: median(values), added, ratio: median(values) / median(floor) };
    rows[name] = row;
    console.log(
      `  ${name.padEnd(40)} ${row.median.toFixed(2).padStart(8)} µs  added ${added.toFixed(2).padStart(6)} µs  ×${row.ratio.toFixed(3)}`,
    );
  }
  return rows;
}

const results: Record<string, unknown> = { note: 'preliminary unless run on a quiet machine' };

/**
 * A stand-in with pg-pool's calling convention (`pool.query` → `this.connect(cb)` →
 * `client.query(text, values, cb)`, answers on the next microtask) and no I/O: the
 * difference to it is exactly what the wrappers and the SDK records cost, without the
 * network noise of the real-Postgres part.
 */
function inProcessPool() {
  const client = {
    database: 'postgres',
    query(_text: string, _values: unknown[], callback: (error: unknown, result: unknown) => void) {
      queueMicrotask(() => callback(undefined, { rows: [] }));
    },
    release() {},
  };
  return {
    totalCount: 1,
    idleCount: 1,
    waitingCount: 0,
    options: { max: 1 },
    connect(callback: (error: unknown, client: unknown, release: () => void) => void) {
      queueMicrotask(() => callback(undefined, client, () => {}));
    },
    query(text: string, values: unknown[]): Promise<unknown> {
      // The stand-in never fails.
      return new Promise((resolve) => {
        this.connect((_error, connected) =>
          (connected as typeof client).query(text, values, (_queryError, result) => resolve(result)),
        );
      });
    },
  };
}
{
  const floor = inProcessPool();
  const withSdk = inProcessPool();
  const withoutSdk = inProcessPool();
  instrumentPool(withSdk, { meterProvider, slowQuery: { threshold: '1s' }, onSlowQuery: () => {} });
  instrumentPool(withoutSdk, { meterProvider: new MeterProvider() });
  const select =
    (target: ReturnType<typeof inProcessPool>): Operation =>
    () =>
      target.query('SELECT $1::int AS n', [1]);
  results.pgInProcess = await compare('pg in-process (no I/O)', [
    { name: 'stand-in pool', otelEnabled: false, run: select(floor) },
    { name: 'instrumentPool, SDK reader', otelEnabled: false, run: select(withSdk) },
    { name: 'instrumentPool, provider without readers', otelEnabled: false, run: select(withoutSdk) },
  ]);
}

if (missingPostgres() === undefined) {
  const server = await startPostgresServer();
  const pool = (options: { instrument: boolean; otelEnabled: boolean }) => {
    const created = new pg.Pool({ connectionString: server.url, max: 1 });
    if (options.instrument) {
      instrumentPool(created, {
        meterProvider,
        slowQuery: { threshold: '1s' },
        onSlowQuery: () => {},
      });
    }
    return created;
  };
  // Clients are wrapped when first connected: connect each pool under its own OTel state.
  otel.disable();
  const raw = pool({ instrument: false, otelEnabled: false });
  const ours = pool({ instrument: true, otelEnabled: false });
  await Promise.all([raw.query('SELECT 1'), ours.query('SELECT 1')]);
  otel.enable();
  const otelAlone = pool({ instrument: false, otelEnabled: true });
  const both = pool({ instrument: true, otelEnabled: true });
  await Promise.all([otelAlone.query('SELECT 1'), both.query('SELECT 1')]);
  const select =
    (target: pgModule.Pool): Operation =>
    () =>
      target.query('SELECT $1::int AS n', [1]);
  results.pg = await compare('pg', [
    { name: 'raw pg', otelEnabled: false, run: select(raw) },
    { name: 'instrumentPool', otelEnabled: false, run: select(ours) },
    { name: 'instrumentation-pg', otelEnabled: true, run: select(otelAlone) },
    { name: 'instrumentation-pg + instrumentPool', otelEnabled: true, run: select(both) },
  ]);
  await Promise.all([raw.end(), ours.end(), otelAlone.end(), both.end()]);
  await server.close();
} else {
  console.log('pg part skipped: PostgreSQL binaries not installed');
}

if (missingPeer('redis-server') === undefined) {
  const server = await startRedisServer();
  const raw = new Redis(server.url);
  const ours = new Redis(server.url);
  instrumentRedis(ours, { meterProvider });
  await Promise.all([raw.set('reading:1', 'x'), ours.ping()]);
  results.redis = await compare('redis', [
    { name: 'raw ioredis', otelEnabled: false, run: () => raw.get('reading:1') },
    { name: 'instrumentRedis', otelEnabled: false, run: () => ours.get('reading:1') },
  ]);
  raw.disconnect();
  ours.disconnect();
  await server.close();
} else {
  console.log('redis part skipped: redis-server not installed');
}

await meterProvider.shutdown();
saveResults(results);
