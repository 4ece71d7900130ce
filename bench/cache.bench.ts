// CPU cost per cache lookup of `cacheMetrics`: a raw Map / lru-cache `get`
// (the floor) against the same cache wrapped, with no SDK, with
// `@telltale/node`'s SDK (pre-aggregated durations), with a plain SDK
// MeterProvider (durations on an SDK histogram), and inside a Server-Timing
// request scope. Variants run interleaved (round-robin), BENCH_ROUNDS rounds
// of BENCH_LOOKUPS lookups (half hits, half misses); we print the median
// CPU ns per lookup and the added cost as the median of per-round
// differences to the raw cache. Target: <= 500 ns added per lookup.
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { LRUCache } from 'lru-cache';
import { cacheMetrics } from '@telltale/metrics';
import { startTelemetry } from '@telltale/node';
import { runWithRequestTiming, createRequestTiming } from '../packages/metrics/src/server-timing/request-timing.js';
import { median, saveResults } from './harness.js';

const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const noSdk = metrics.getMeterProvider();
const plainSdk = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
const telemetry = startTelemetry({ serviceName: 'cache-bench', runtimeMetrics: false });

const KEYS = Array.from({ length: 1024 }, (_, index) => `reading:${index}`);
type Get = (key: string) => unknown;

function backing(kind: 'Map' | 'lru-cache'): Map<string, number> | LRUCache<string, number> {
  const cache = kind === 'Map' ? new Map<string, number>() : new LRUCache<string, number>({ max: 2048 });
  // Even keys are present: half the lookups hit.
  KEYS.forEach((key, index) => index % 2 === 0 && cache.set(key, index));
  return cache;
}

const VARIANTS = [
  'raw',
  'wrapped, no SDK',
  'wrapped, @telltale/node SDK',
  'wrapped, plain SDK',
  'wrapped, Server-Timing',
] as const;
type Variant = (typeof VARIANTS)[number];

function build(kind: 'Map' | 'lru-cache', variant: Variant): { get: Get; scoped: boolean } {
  const cache = backing(kind);
  if (variant === 'raw') return { get: (key) => cache.get(key), scoped: false };
  const meterProvider =
    variant === 'wrapped, no SDK' ? noSdk : variant === 'wrapped, plain SDK' ? plainSdk : telemetry.meterProvider;
  const wrapped = cacheMetrics(`${kind}-${variant}`, cache, { meterProvider });
  return { get: wrapped.get, scoped: variant === 'wrapped, Server-Timing' };
}

function runLookups(get: Get): number {
  let found = 0;
  const before = process.cpuUsage();
  for (let index = 0; index < LOOKUPS; index++) if (get(KEYS[index & 1023]!) !== undefined) found++;
  const used = process.cpuUsage(before);
  if (found !== LOOKUPS / 2) throw new Error(`expected ${LOOKUPS / 2} hits, got ${found}`);
  return ((used.user + used.system) * 1000) / LOOKUPS;
}

const results: Record<string, Record<string, { median: number; added: number | undefined; ratio: number }>> = {};
for (const kind of ['Map', 'lru-cache'] as const) {
  const built = VARIANTS.map((variant) => [variant, build(kind, variant)] as const);
  const samples = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  for (const [, { get, scoped }] of built) {
    // Warm-up, so every variant runs optimised code.
    if (scoped) runWithRequestTiming(createRequestTiming(), () => runLookups(get));
    else runLookups(get);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [variant, { get, scoped }] of built) {
      const nanoseconds = scoped ? runWithRequestTiming(createRequestTiming(), () => runLookups(get)) : runLookups(get);
      samples.get(variant)!.push(nanoseconds);
    }
  }
  const raw = samples.get('raw')!;
  const floor = median(raw);
  console.log(`\n${kind}: CPU ns per lookup (median of ${ROUNDS} interleaved rounds; preliminary on a shared machine)`);
  results[kind] = {};
  for (const variant of VARIANTS) {
    const list = samples.get(variant)!;
    const value = median(list);
    const added = variant === 'raw' ? undefined : median(list.map((sample, round) => sample - raw[round]!));
    results[kind][variant] = { median: value, added, ratio: value / floor };
    const addedText = added === undefined ? '' : `  added ${added.toFixed(0).padStart(5)} ns`;
    console.log(
      `  ${variant.padEnd(30)} ${value.toFixed(0).padStart(7)} ns  ×${(value / floor).toFixed(2)}${addedText}`,
    );
  }
}
saveResults({ cache: results, lookups: LOOKUPS, rounds: ROUNDS, targetAddedNanoseconds: 500 });
await telemetry.close();
await plainSdk.shutdown();
