// Per-call overhead of resilience wrappers on an already-resolved promise, against named
// anchors in the same run: a bare call, raw opossum (defaults: 10 s timeout), cockatiel's
// wrap(retry, breaker, timeout) and our pipeline(retry, breaker, timeout). CPU time per call
// (process.cpuUsage), median of interleaved rounds; overhead = wrapper − bare. Then memory
// and timers for 10,000 breakers (ours vs raw opossum).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker as cockatielBreaker,
  handleAll,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import { circuitBreaker, exponential, pipeline, retry, timeout } from '@telltale/resilience';
import { cpuMicros, median, report, saveResults } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BREAKERS = Number(process.env.BENCH_BREAKERS ?? 10_000);

const resolved = (): Promise<number> => Promise.resolve(1);

const opossum = new CircuitBreaker(resolved, { enableSnapshots: false });
const cockatiel = wrap(
  cockatielRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
  cockatielBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
  cockatielTimeout(10_000, TimeoutStrategy.Aggressive),
);
const ours = pipeline(
  'bench',
  retry({ maxAttempts: 3, backoff: exponential() }),
  circuitBreaker({ name: 'bench' }),
  timeout('10s'),
);
const oursBreakerOnly = circuitBreaker({ name: 'bench-breaker-only' });

const contenders: Record<string, () => Promise<unknown>> = {
  bare: resolved,
  'raw opossum (fire, 10s timeout)': () => opossum.fire(),
  'cockatiel wrap(retry, breaker, timeout)': () => cockatiel.execute(resolved),
  'telltale pipeline(retry, breaker, timeout)': () => ours.execute(resolved),
  'telltale circuitBreaker alone': () => oursBreakerOnly.execute(resolved),
};

async function loop(call: () => Promise<unknown>, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await call();
}

// Warm up every path so the JIT has settled before measuring.
for (const call of Object.values(contenders)) await loop(call, 50_000);

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, call] of Object.entries(contenders)) {
    gc();
    samples[name]!.push((await cpuMicros(() => loop(call, CALLS))) / CALLS);
  }
}
const perCall = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values) * 1000]));
const bare = perCall.bare!;
const overhead = Object.fromEntries(
  Object.entries(perCall)
    .filter(([name]) => name !== 'bare')
    .map(([name, value]) => [name, Math.max(0, value - bare)]),
);
report(`CPU per call, ${CALLS} sequential awaited calls × ${ROUNDS} rounds`, perCall, 'bare', 'ns');
report('Overhead per call over a bare call', overhead, 'raw opossum (fire, 10s timeout)', 'ns');
const oursOverhead = overhead['telltale pipeline(retry, breaker, timeout)']!;
const ratios = {
  'pipeline overhead / raw opossum overhead': oursOverhead / overhead['raw opossum (fire, 10s timeout)']!,
  'pipeline overhead / cockatiel overhead': oursOverhead / overhead['cockatiel wrap(retry, breaker, timeout)']!,
};
console.log('\nTargets: ≤ 1.5× raw opossum, ≤ 1.0× cockatiel');
for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(44)} ×${value.toFixed(2)}`);

// ------------------------------------------------------------------ 10,000 breakers
/** Counts timers (timeouts and intervals) created by `fn` that are still pending afterwards. */
function liveTimersAfter<T>(fn: () => T): { result: T; timers: number } {
  const live = new Set<unknown>();
  const original = { setTimeout, setInterval, clearTimeout, clearInterval };
  globalThis.setInterval = (callback: () => void, ms?: number) => {
    const handle = original.setInterval(callback, ms);
    live.add(handle);
    return handle;
  };
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    const handle = original.setTimeout(() => {
      live.delete(handle);
      callback();
    }, ms);
    live.add(handle);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: NodeJS.Timeout) => {
    live.delete(handle);
    original.clearTimeout(handle);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((handle: NodeJS.Timeout) => {
    live.delete(handle);
    original.clearInterval(handle);
  }) as typeof clearInterval;
  try {
    return { result: fn(), timers: live.size };
  } finally {
    Object.assign(globalThis, original);
  }
}

async function heapFor(
  create: () => { close: () => void },
): Promise<{ bytesPerBreaker: number; timers: number; growthAfterIdleBytes: number }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const { result: created, timers } = liveTimersAfter(() => Array.from({ length: BREAKERS }, create));
  gc();
  const after = process.memoryUsage().heapUsed;
  // Idle for 2 s: per-breaker intervals keep allocating buckets; ours rotate on one shared timer.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  gc();
  const idle = process.memoryUsage().heapUsed;
  for (const breaker of created) breaker.close();
  return { bytesPerBreaker: (after - before) / BREAKERS, timers, growthAfterIdleBytes: idle - after };
}

const memory = {
  'raw opossum (defaults)': await heapFor(() => {
    const breaker = new CircuitBreaker(resolved);
    return { close: () => breaker.shutdown() };
  }),
  'raw opossum (enableSnapshots: false)': await heapFor(() => {
    const breaker = new CircuitBreaker(resolved, { enableSnapshots: false });
    return { close: () => breaker.shutdown() };
  }),
  // Windows rotate lazily from the clock: a closed breaker owns no timer (the one counted is the shared telemetry re-check).
  'telltale circuitBreaker': await heapFor(() => circuitBreaker({ name: 'many', window: '20s' })),
};
console.log(`\n${BREAKERS} breakers`);
for (const [name, value] of Object.entries(memory)) {
  console.log(
    `  ${name.padEnd(40)} ${value.bytesPerBreaker.toFixed(0).padStart(7)} B/breaker  ${String(value.timers).padStart(6)} timers  ${(value.growthAfterIdleBytes / 1024).toFixed(0).padStart(7)} KiB heap growth after 2 s idle`,
  );
}
report(
  'Heap per breaker',
  Object.fromEntries(Object.entries(memory).map(([name, value]) => [name, value.bytesPerBreaker])),
  'raw opossum (defaults)',
  'B',
);

saveResults({
  calls: CALLS,
  rounds: ROUNDS,
  perCallNs: perCall,
  overheadNs: overhead,
  ratios,
  breakers: BREAKERS,
  memory,
});
await oursBreakerOnly.close();
opossum.shutdown();
