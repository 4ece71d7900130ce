// CPU cost per PostgreSQL query and per Redis command of the data-layer
// instrumentation, against a real Postgres (initdb'd in a temp dir) and a real
// redis-server, in this process only (the servers' CPU is not counted).
//
// The meter provider carries a producer slot, as @telltale/node's startTelemetry
// builds it: instrumentPool and instrumentRedis then pre-aggregate their
// histograms (src/pg/duration-table.ts) instead of recording each value on the
// SDK. The "SDK histograms" variants use a plain provider (no slot), the path
// taken with views or delta temporality.
//
// pg, sequential `SELECT $1::int` on one connection per variant:
//   raw pg                        the floor: pg 8 unpatched
//   instrumentPool                @telltale/metrics/pg recording db.client.operation.duration itself
//   instrumentPool, SDK histograms  the same without the producer slot
//   instrumentation-pg            @opentelemetry/instrumentation-pg 0.76.0 alone (as @telltale/node
//                                 registers it: meter provider set, no tracer provider, so spans are no-ops)
//   instrumentation-pg + instrumentPool
//                                 what an @telltale/node app gets: OTel records durations,
//                                 instrumentPool adds wait time, gauges, slow-query log, Server-Timing
// Redis, sequential GET: raw ioredis vs instrumentRedis (slot, then SDK histograms).
//
// Variants run interleaved, BENCH_ROUNDS rounds of BENCH_QUERIES operations, the
// order rotated every round; we print the median CPU µs per operation (user and
// system), and the added cost as the median (and interquartile range) of the
// per-round differences to the floor. Target: ≤ 3 µs added per query.
//
// Why the in-process part reads lower than the real-Postgres part for the same
// code: it runs the wrappers in a hot microtask loop, where the SDK's record path
// stays in the CPU caches; between two real queries libuv, the socket and pg's
// parser run, and a code-heavy record path pays its cache misses every time.
import { createRequire } from 'node:module';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MeterProvider, type CollectionResult, type MetricProducer } from '@opentelemetry/sdk-metrics';
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

/**
 * A provider whose reader carries a producer slot announced under the symbol
 * `@telltale/metrics` looks for, as `startTelemetry` does (see packages/node/src/pull-reader.ts).
 */
function providerWithSlot(): MeterProvider {
  const producers: MetricProducer[] = [];
  const slot: MetricProducer & { producers: MetricProducer[] } = {
    producers,
    async collect(options) {
      const results: CollectionResult[] = await Promise.all(producers.map((producer) => producer.collect(options)));
      return {
        resourceMetrics: {
          resource: undefined as never,
          scopeMetrics: results.flatMap((result) => result.resourceMetrics.scopeMetrics),
        },
        errors: results.flatMap((result) => result.errors),
      };
    },
  };
  const provider = new MeterProvider({
    readers: [new PrometheusExporter({ preventServerStart: true, metricProducers: [slot] })],
  });
  const slots = Symbol.for('telltale.metrics.producerSlots');
  ((globalThis as Record<symbol, unknown>)[slots] ??= new WeakMap<object, unknown>()) as WeakMap<object, unknown>;
  ((globalThis as Record<symbol, unknown>)[slots] as WeakMap<object, unknown>).set(provider, slot);
  return provider;
}
const meterProvider = providerWithSlot();
const sdkOnly = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
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

interface Sample {
  readonly user: number;
  readonly system: number;
}

/** CPU µs per operation (user, system) for `count` sequential operations. */
async function measure(run: Operation, count: number): Promise<Sample> {
  const before = process.cpuUsage();
  for (let index = 0; index < count; index++) await run();
  const used = process.cpuUsage(before);
  return { user: used.user / count, system: used.system / count };
}

function quartiles(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor((sorted.length - 1) / 4)]!, sorted[Math.ceil(((sorted.length - 1) * 3) / 4)]!];
}

async function compare(title: string, variants: Variant[]) {
  const samples = new Map(variants.map((variant) => [variant.name, [] as Sample[]]));
  const select = (variant: Variant) => {
    if (variant.otelEnabled) otel.enable();
    else otel.disable();
  };
  for (const variant of variants) {
    select(variant);
    await measure(variant.run, Math.min(500, QUERIES)); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated, so that no variant always runs right after the same other one.
    for (let offset = 0; offset < variants.length; offset++) {
      const variant = variants[(offset + round) % variants.length]!;
      select(variant);
      samples.get(variant.name)!.push(await measure(variant.run, QUERIES));
    }
  }
  const total = (sample: Sample) => sample.user + sample.system;
  const floor = samples.get(variants[0]!.name)!;
  console.log(
    `\n${title}: CPU µs per operation (median of ${ROUNDS} rounds × ${QUERIES}), added vs "${variants[0]!.name}" (median, IQR)`,
  );
  const rows: Record<
    string,
    { median: number; user: number; system: number; added: number; addedIqr: number[]; ratio: number }
  > = {};
  for (const [name, values] of samples) {
    const differences = values.map((value, index) => total(value) - total(floor[index]!));
    const row = {
      median: median(values.map(total)),
      user: median(values.map((value) => value.user)),
      system: median(values.map((value) => value.system)),
      added: median(differences),
      addedIqr: quartiles(differences),
      ratio: median(values.map(total)) / median(floor.map(total)),
    };
    rows[name] = row;
    console.log(
      `  ${name.padEnd(40)} ${row.median.toFixed(2).padStart(8)} µs (user ${row.user.toFixed(1)}, sys ${row.system.toFixed(1)})` +
        `  added ${row.added.toFixed(2).padStart(6)} µs [${row.addedIqr.map((value) => value.toFixed(1)).join(' .. ')}]  ×${row.ratio.toFixed(3)}`,
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
  const withSlot = inProcessPool();
  const withSdk = inProcessPool();
  const withoutSdk = inProcessPool();
  const slowQuery = { threshold: '1s' };
  instrumentPool(withSlot, { meterProvider, slowQuery, onSlowQuery: () => {} });
  instrumentPool(withSdk, { meterProvider: sdkOnly, slowQuery, onSlowQuery: () => {} });
  instrumentPool(withoutSdk, { meterProvider: new MeterProvider() });
  const select =
    (target: ReturnType<typeof inProcessPool>): Operation =>
    () =>
      target.query('SELECT $1::int AS n', [1]);
  results.pgInProcess = await compare('pg in-process (no I/O)', [
    { name: 'stand-in pool', otelEnabled: false, run: select(floor) },
    { name: 'instrumentPool (producer slot)', otelEnabled: false, run: select(withSlot) },
    { name: 'instrumentPool, SDK histograms', otelEnabled: false, run: select(withSdk) },
    { name: 'instrumentPool, provider without readers', otelEnabled: false, run: select(withoutSdk) },
  ]);
}

if (missingPostgres() === undefined) {
  const server = await startPostgresServer();
  const pool = (options: { instrument: boolean; otelEnabled: boolean; provider?: MeterProvider }) => {
    const created = new pg.Pool({ connectionString: server.url, max: 1 });
    if (options.instrument) {
      instrumentPool(created, {
        meterProvider: options.provider ?? meterProvider,
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
  const oursSdk = pool({ instrument: true, otelEnabled: false, provider: sdkOnly });
  await Promise.all([raw.query('SELECT 1'), ours.query('SELECT 1'), oursSdk.query('SELECT 1')]);
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
    { name: 'instrumentPool, SDK histograms', otelEnabled: false, run: select(oursSdk) },
    { name: 'instrumentation-pg', otelEnabled: true, run: select(otelAlone) },
    { name: 'instrumentation-pg + instrumentPool', otelEnabled: true, run: select(both) },
  ]);
  await Promise.all([raw.end(), ours.end(), oursSdk.end(), otelAlone.end(), both.end()]);
  await server.close();
} else {
  console.log('pg part skipped: PostgreSQL binaries not installed');
}

if (missingPeer('redis-server') === undefined) {
  const server = await startRedisServer();
  const raw = new Redis(server.url);
  const ours = new Redis(server.url);
  const oursSdk = new Redis(server.url);
  instrumentRedis(ours, { meterProvider });
  instrumentRedis(oursSdk, { meterProvider: sdkOnly });
  await Promise.all([raw.set('reading:1', 'x'), ours.ping(), oursSdk.ping()]);
  results.redis = await compare('redis', [
    { name: 'raw ioredis', otelEnabled: false, run: () => raw.get('reading:1') },
    { name: 'instrumentRedis', otelEnabled: false, run: () => ours.get('reading:1') },
    { name: 'instrumentRedis, SDK histograms', otelEnabled: false, run: () => oursSdk.get('reading:1') },
  ]);
  raw.disconnect();
  ours.disconnect();
  oursSdk.disconnect();
  await server.close();
} else {
  console.log('redis part skipped: redis-server not installed');
}

await Promise.all([meterProvider.shutdown(), sdkOnly.shutdown()]);
saveResults(results);
