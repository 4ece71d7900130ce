// What our circuit breaker costs in the closed state, now that it counts into our own
// RollingWindow instead of opossum. CPU per call, success path and failure path, against named
// anchors in the same run:
//   - a bare awaited call (no breaker at all),
//   - an empty telltale pipeline (what `execute` costs before any policy runs),
//   - opossum used directly, configured as our breaker used to configure it (no timeout, same
//     window): the engine the breaker replaced,
//   - our circuitBreaker (RollingWindow inside),
//   - a minimal policy that only counts into RollingWindow (the floor: counting, no state machine).
// process.cpuUsage deltas, 3 interleaved reps per contender, median and spread (min–max).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import CircuitBreaker from 'opossum';
import { createManualClock } from '@telltale/core';
import { circuitBreaker, pipeline, type Next, type Policy, type Run } from '@telltale/resilience';
import { RollingWindow } from '../packages/resilience/src/rolling-window.js';
import { cpuMicros, median, report, saveResults } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
/** Large enough that the failure path never opens the breaker: we measure the closed state. */
const NEVER_OPEN = 1_000_000_000;

const failure = new Error('boom'); // made once: the stack capture is not what we measure
const succeed = (): Promise<number> => Promise.resolve(1);
const fail = (): Promise<never> => Promise.reject(failure);
const ignore = (): undefined => undefined;
const clock = createManualClock(); // no half-open timers run and no window rotates during the bench

/** The floor: a policy over RollingWindow that counts calls and failures and checks the ratio on failure. */
function countingFloor(): Policy {
  const window = new RollingWindow(clock, 10_000, 10, 2);
  const CALLS_FIELD = 0;
  const FAILURES_FIELD = 1;
  const policy: Policy = {
    kind: 'floor',
    name: 'counting-floor',
    execute: (operation, options) => pipeline('floor', policy).execute(operation, options),
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      return next(run).then(
        (value) => {
          window.add(CALLS_FIELD);
          return value;
        },
        (error: unknown) => {
          window.add(CALLS_FIELD);
          window.add(FAILURES_FIELD);
          const calls = window.sum(CALLS_FIELD);
          if (calls >= NEVER_OPEN && window.sum(FAILURES_FIELD) / calls >= 0.5) throw new Error('would open');
          throw error;
        },
      );
    },
  };
  return policy;
}

function opossumLikeOurs(action: () => Promise<unknown>): CircuitBreaker {
  return new CircuitBreaker(action, {
    timeout: false,
    volumeThreshold: NEVER_OPEN,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
}

const ours = circuitBreaker({ name: 'bench', minimumThroughput: NEVER_OPEN, clock });
const empty = pipeline('empty');
const floor = pipeline('floor', countingFloor());
const opossumSuccess = opossumLikeOurs(succeed);
const opossumFailure = opossumLikeOurs(fail);

type Contenders = Record<string, () => Promise<unknown>>;
const paths: Record<'success' | 'failure', Contenders> = {
  success: {
    'bare call (anchor)': succeed,
    'empty telltale pipeline': () => empty.execute(succeed),
    'opossum fire() directly': () => opossumSuccess.fire(),
    'telltale circuitBreaker': () => ours.execute(succeed),
    'floor: counting-only window policy': () => floor.execute(succeed),
  },
  failure: {
    'bare call (anchor)': () => fail().catch(ignore),
    'empty telltale pipeline': () => empty.execute(fail).catch(ignore),
    'opossum fire() directly': () => opossumFailure.fire().catch(ignore),
    'telltale circuitBreaker': () => ours.execute(fail).catch(ignore),
    'floor: counting-only window policy': () => floor.execute(fail).catch(ignore),
  },
};

async function loop(call: () => Promise<unknown>, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await call();
}

const results: Record<string, { medianNs: Record<string, number>; spreadNs: Record<string, [number, number]> }> = {};
for (const [path, contenders] of Object.entries(paths)) {
  for (const call of Object.values(contenders)) await loop(call, 20_000); // JIT warm-up
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, call] of Object.entries(contenders)) {
      gc();
      samples[name]!.push(((await cpuMicros(() => loop(call, CALLS))) / CALLS) * 1000);
    }
  }
  const medianNs = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
  const spreadNs = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [
      name,
      [Math.min(...values), Math.max(...values)] as [number, number],
    ]),
  );
  report(
    `${path} path: CPU per call, ${CALLS} awaited calls × ${REPS} interleaved reps`,
    medianNs,
    'bare call (anchor)',
    'ns',
  );
  for (const [name, [low, high]] of Object.entries(spreadNs)) {
    console.log(`  spread ${name.padEnd(40)} ${low.toFixed(0)}–${high.toFixed(0)} ns`);
  }
  results[path] = { medianNs, spreadNs };
}

if (ours.state !== 'closed')
  throw new Error(`breaker left the closed state (${ours.state}): the bench measured the wrong path`);
// The manual clock never rotates the window, so it holds every measured call: proof they were counted.
const counted = ours.toJSON().window;
if (counted.failures === 0 || counted.successes === 0) {
  throw new Error(`breaker counted ${JSON.stringify(counted)}: the bench did not measure the counting path`);
}

// The breaker's own cost is what it adds over the empty pipeline it runs in.
const ratios: Record<string, number> = {};
for (const [path, { medianNs }] of Object.entries(results)) {
  const bare = medianNs['bare call (anchor)']!;
  const pipelineCost = medianNs['empty telltale pipeline']!;
  const opossumOverhead = medianNs['opossum fire() directly']! - bare;
  const oursOverhead = medianNs['telltale circuitBreaker']! - pipelineCost;
  const floorOverhead = medianNs['floor: counting-only window policy']! - pipelineCost;
  ratios[`${path}: telltale breaker / bare`] = medianNs['telltale circuitBreaker']! / bare;
  ratios[`${path}: opossum direct / bare`] = medianNs['opossum fire() directly']! / bare;
  ratios[`${path}: breaker overhead (over pipeline) / opossum overhead (over bare)`] = oursOverhead / opossumOverhead;
  ratios[`${path}: breaker overhead / counting-floor overhead`] = oursOverhead / floorOverhead;
}
console.log('\nRatios');
for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(76)} ×${value.toFixed(2)}`);

saveResults({ calls: CALLS, reps: REPS, ...results, ratios });
await ours.close();
opossumSuccess.shutdown();
opossumFailure.shutdown();
