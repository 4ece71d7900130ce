// What @telltale/metrics pays per request to find its instruments, and whether resolving them
// through core's telemetry kit (telemetrySource) costs more than its own bootstrap did. metrics
// resolves the global meter provider on every request (the API has no proxy provider, so a
// middleware built before the SDK registers must notice it later): the lookup must stay about a
// property read, and with no SDK it must allocate nothing. Contenders, per call, interleaved:
//   - 'global property read': metrics.getMeterProvider() alone (the floor),
//   - 'own bootstrap (pre-kit)': the getter metrics shipped before it sat on core's kit,
//   - 'instrumentSource (on the kit)': metrics' getter as it is now,
//   - 'kit meter() per call': core's source.meter() on every request (what not to do: getMeter per call).
// Each is timed with the API's no-op provider (no SDK) and with an SDK MeterProvider registered.
// ns per call (median of REPS interleaved rounds of CALLS calls), bytes per call from heapUsed
// over one round (young-generation GCs during the round are counted: a non-zero count means it allocates).
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createNoopMeter, metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { telemetrySource } from '@telltale/core';
import { instrumentSource } from '../packages/metrics/src/meter.js';
import { median, report, saveResults } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const build = (meter: Meter): { requests: ReturnType<Meter['createCounter']> } => ({
  requests: meter.createCounter('telltale.bench.requests'),
});

/** The getter @telltale/metrics shipped before it used core's kit (kept here as the anchor). */
function ownBootstrap<T>(explicit: MeterProvider | undefined, make: (meter: Meter) => T) {
  const noopMeterClass: unknown = createNoopMeter().constructor;
  let provider: MeterProvider | undefined;
  let state: { instruments: T; recording: boolean } | undefined;
  return () => {
    const current = explicit ?? metrics.getMeterProvider();
    if (current !== provider || state === undefined) {
      provider = current;
      const meter = current.getMeter('@telltale/metrics');
      state = { instruments: make(meter), recording: meter.constructor !== noopMeterClass };
    }
    return state;
  };
}

const source = telemetrySource({
  scope: '@telltale/metrics',
  require: createRequire(new URL('../packages/metrics/package.json', import.meta.url)),
});

const contenders: Record<string, () => unknown> = {
  'global property read': () => metrics.getMeterProvider(),
  'own bootstrap (pre-kit)': ownBootstrap(undefined, build),
  'instrumentSource (on the kit)': instrumentSource(undefined, build),
  'kit meter() per call': () => source.meter(undefined),
};

let sink: unknown;
function nsPerCall(getter: () => unknown): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < CALLS; index++) sink = getter();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
// PerformanceObserver delivers GC entries later, on a timer: wait long enough for them.
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

async function allocation(getter: () => unknown): Promise<{ bytesPerCall: number; gcs: number }> {
  const calls = 100_000;
  for (let index = 0; index < 1_000; index++) sink = getter(); // build and cache the instruments first
  await settle();
  gc();
  await settle();
  gcs = 0;
  const before = process.memoryUsage().heapUsed;
  for (let index = 0; index < calls; index++) sink = getter();
  const after = process.memoryUsage().heapUsed;
  await settle(); // the observer reports GCs asynchronously
  return { bytesPerCall: Math.max(0, after - before) / calls, gcs };
}

async function measure(
  label: string,
): Promise<Record<string, { ns: number; spread: string; bytesPerCall: number; gcs: number }>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (const getter of Object.values(contenders)) nsPerCall(getter); // warm up every contender first
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, getter] of Object.entries(contenders)) times[name]!.push(nsPerCall(getter));
  }
  const rows: Record<string, { ns: number; spread: string; bytesPerCall: number; gcs: number }> = {};
  for (const [name, getter] of Object.entries(contenders)) {
    const samples = times[name]!;
    rows[name] = {
      ns: median(samples),
      spread: `${Math.min(...samples).toFixed(2)}–${Math.max(...samples).toFixed(2)}`,
      ...(await allocation(getter)),
    };
  }
  report(
    `${label}: ns per call`,
    Object.fromEntries(Object.entries(rows).map(([name, row]) => [name, row.ns])),
    'own bootstrap (pre-kit)',
    'ns',
  );
  for (const [name, row] of Object.entries(rows)) {
    console.log(`  ${name.padEnd(40)} spread ${row.spread} ns, ${row.bytesPerCall.toFixed(2)} B/call, ${row.gcs} GCs`);
  }
  return rows;
}

const noSdk = await measure('no SDK (API no-op provider)');
metrics.setGlobalMeterProvider(new SdkMeterProvider());
const withSdk = await measure('SDK MeterProvider registered');
void sink;
saveResults({ calls: CALLS, reps: REPS, noSdk, withSdk });
