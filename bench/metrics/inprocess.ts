// Socket-free CPU cost per request of the HTTP metrics
// middleware: Express' app (a request listener) and node:http handlers are
// served by a node:http server over an in-memory connection (memory-connection.ts), Fastify
// through `app.inject`. No network, no load generator, one process, so the
// figure is the middleware's own cost plus what it does to Node's
// request/response objects. Variants run interleaved (round-robin, the order
// rotating every round), ROUNDS times each; we print the median and the spread (min–max) per variant, and
// the added cost as the median of per-round differences to bare / the empty middleware.
// BENCH_REQUESTS per round, BENCH_ROUNDS rounds, BENCH_WARMUP requests, BENCH_FRAMEWORKS / BENCH_VARIANTS to narrow.
import { median, saveResults } from '../harness.js';
import { builders, dispatchMany, IN_PROCESS_VARIANTS, type Dispatch, type InProcessVariant } from './apps.js';
import { FRAMEWORKS, pick } from './variants.js';

// Many short rounds rather than a few long ones: a burst of load from other processes spoils a
// few rounds, which the medians discard, instead of shifting one variant's whole figure.
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
// Warm-up per variant (JIT tiers, inline caches), independent of the short rounds.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000);

async function cpuPerRequest(dispatch: Dispatch, requests: number): Promise<number> {
  const before = process.cpuUsage();
  await dispatchMany(dispatch, requests);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

const results: Record<
  string,
  Record<
    string,
    { median: number; min: number; max: number; added: number; overFloor: number | undefined; throughput: number }
  >
> = {};
for (const framework of pick(FRAMEWORKS, process.env.BENCH_FRAMEWORKS)) {
  const dispatchers = new Map<InProcessVariant, Dispatch>();
  for (const variant of pick(IN_PROCESS_VARIANTS, process.env.BENCH_VARIANTS)) {
    const dispatch = builders[framework](variant);
    if (dispatch !== undefined) dispatchers.set(variant, dispatch);
  }
  for (const dispatch of dispatchers.values()) await cpuPerRequest(dispatch, WARMUP); // warm-up
  const samples = new Map<InProcessVariant, number[]>();
  // The order rotates every round: garbage one variant leaves behind is collected during the
  // next one's measurement, so a fixed order would always bill the same neighbour for it.
  const order = [...dispatchers];
  for (const [variant] of order) samples.set(variant, []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let slot = 0; slot < order.length; slot++) {
      const [variant, dispatch] = order[(round + slot) % order.length]!;
      samples.get(variant)!.push(await cpuPerRequest(dispatch, REQUESTS));
    }
  }
  // Added cost = median of per-round differences (paired rounds cancel slow drifts of the machine).
  const pairedOver = (list: number[], anchor: number[] | undefined): number | undefined =>
    anchor === undefined ? undefined : median(list.map((value, round) => value - anchor[round]!));
  console.log(`\n${framework}, in-process, CPU µs per request (median, min–max of ${ROUNDS} interleaved rounds)`);
  results[framework] = {};
  for (const [variant, list] of samples) {
    const value = median(list);
    const added = pairedOver(list, samples.get('bare')) ?? 0;
    const overFloor = pairedOver(list, samples.get('empty middleware'));
    // Requests per CPU-second relative to bare, per round: the in-process stand-in for throughput.
    const bare = samples.get('bare');
    const throughput = bare === undefined ? Number.NaN : median(list.map((own, round) => bare[round]! / own));
    results[framework][variant] = {
      median: value,
      min: Math.min(...list),
      max: Math.max(...list),
      added,
      overFloor,
      throughput,
    };
    const floorText = overFloor === undefined || variant === 'bare' ? '' : `  vs empty ${overFloor.toFixed(2)}`;
    console.log(
      `  ${variant.padEnd(22)} ${value.toFixed(2).padStart(8)}  (${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)})  added ${added.toFixed(2)}${floorText}`,
    );
  }
}
saveResults({ inProcess: results, requests: REQUESTS, rounds: ROUNDS, warmup: WARMUP });
