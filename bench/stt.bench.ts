// Fallback overhead and failover latency of @telltale/stt's createFallbackTranscriber.
//
// Anchors, in the same run: calling the fallback provider directly (an OpenAI-shaped server on
// 127.0.0.1). Scenarios: the primary (a Deepgram provider) refusing connections, and hanging,
// measured once its breaker is open; and hedging under a slow primary vs the fallback's own p99.
// Targets (issue 10): ≤ 5 ms added at p95 once the breaker is open; hedged p99 ≤ 1.2× the
// fallback's own p99.
//
// The fake vendors run in a child process (this file with STT_BENCH_ROLE=servers), pinned to
// another core with taskset when available: vendors are remote in real life, and their CPU
// must not be billed to the client being measured.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import {
  createFallbackTranscriber,
  deepgramProvider,
  openaiProvider,
  percentile,
  silentWav,
  type SttProvider,
} from '@telltale/stt';
import { cpuMicros, report, saveResults } from './harness.js';

interface VendorUrls {
  fast: string;
  hanging: string;
  spread: string;
  slow: string;
  refused: string;
}

/** Seeded so runs are comparable. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function runVendors(): Promise<void> {
  const body = JSON.stringify({
    text: 'hello world',
    words: [
      { word: 'hello', start: 0, end: 0.4 },
      { word: 'world', start: 0.5, end: 0.9 },
    ],
    segments: [],
  });
  /** An OpenAI-shaped server answering after `latency()` ms. */
  const answering = (latency: () => number) =>
    listen((request, response) => {
      request.resume();
      request.on('end', () => {
        const send = () => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(body);
        };
        const wait = latency();
        if (wait > 0) setTimeout(send, wait);
        else send();
      });
    });
  const random = seeded(7);
  const closed = await listen(() => {});
  await new Promise<void>((resolve) => closed.server.close(() => resolve())); // nothing listens there now
  const urls: VendorUrls = {
    fast: (await answering(() => 0)).url,
    hanging: (await listen(() => {})).url, // accepts and never answers
    // 50-150 ms: a realistic spread for a short clip.
    spread: (await answering(() => 50 + random() * 100)).url,
    slow: (await answering(() => 1000)).url,
    refused: closed.url,
  };
  process.stdout.write(`${JSON.stringify(urls)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

async function startVendors(): Promise<{ urls: VendorUrls; stop: () => void }> {
  const pin = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
  const args = [...process.execArgv, process.argv[1]!];
  const child = pin
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { env: { ...process.env, STT_BENCH_ROLE: 'servers' } })
    : spawn(process.execPath, args, { env: { ...process.env, STT_BENCH_ROLE: 'servers' } });
  child.stderr.pipe(process.stderr);
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { urls: JSON.parse(line) as VendorUrls, stop: () => child.stdin.end() };
}

const AUDIO = { data: silentWav(0.25), mediaType: 'audio/wav', filename: 'clip.wav' };

async function latencies(provider: SttProvider, count: number, concurrency = 1): Promise<number[]> {
  const results: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const begin = performance.now();
      await provider.transcribe(AUDIO);
      results.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

const stats = (values: number[]) => ({
  p50: percentile(values, 0.5),
  p95: percentile(values, 0.95),
  p99: percentile(values, 0.99),
});

async function runBenchmark(): Promise<void> {
  const pinned = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
  if (pinned) spawnSync('taskset', ['-cp', '0', String(process.pid)]);
  const { urls, stop } = await startVendors();
  const REQUESTS = 400;
  const breaker = { failureRatio: 0.5, minimumThroughput: 3, window: '1m', halfOpenAfter: '1h' };
  const results: Record<string, unknown> = { pinned };

  // --- Overhead with the primary down ----------------------------------------------------
  const fallbackDirect = openaiProvider({ apiKey: 'bench', baseUrl: urls.fast });
  await latencies(fallbackDirect, 100); // warm-up: undici, JIT, keep-alive sockets
  const scenarios = {
    refused: deepgramProvider({ apiKey: 'bench', baseUrl: urls.refused }),
    hanging: deepgramProvider({ apiKey: 'bench', baseUrl: urls.hanging }),
  };
  const p50: Record<string, number> = {};
  const p95: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (const [name, primary] of Object.entries(scenarios)) {
    const stt = createFallbackTranscriber({
      providers: [primary, fallbackDirect],
      attemptTimeout: 1000,
      breaker,
      retry: false,
      probe: { interval: '1h' },
    });
    const opening = performance.now();
    const failovers: number[] = [];
    while (stt.states()[primary.id] === 'closed') failovers.push(...(await latencies(stt, 1)));
    const openedAfter = performance.now() - opening;
    // Interleaved, so the anchor and the transcriber see the same noise on a shared machine.
    const directSamples: number[] = [];
    const viaSamples: number[] = [];
    for (let index = 0; index < REQUESTS; index++) {
      directSamples.push(...(await latencies(fallbackDirect, 1)));
      viaSamples.push(...(await latencies(stt, 1)));
    }
    const direct = stats(directSamples);
    const via = stats(viaSamples);
    const directCpu = (await cpuMicros(() => latencies(fallbackDirect, 200).then(() => undefined))) / 200;
    const viaCpu = (await cpuMicros(() => latencies(stt, 200).then(() => undefined))) / 200;
    p50[`${name}: fallback provider directly (anchor)`] = direct.p50;
    p50[`${name}: via transcriber, breaker open`] = via.p50;
    p95[`${name}: fallback provider directly (anchor)`] = direct.p95;
    p95[`${name}: via transcriber, breaker open`] = via.p95;
    cpu[`${name}: fallback provider directly (anchor)`] = directCpu;
    cpu[`${name}: via transcriber, breaker open`] = viaCpu;
    results[name] = {
      failoverRequestsBeforeOpen: failovers.length,
      failoverLatencyMs: stats(failovers),
      openedAfterMs: openedAfter,
      direct,
      breakerOpen: via,
      addedP50Ms: via.p50 - direct.p50,
      addedP95Ms: via.p95 - direct.p95,
      cpuMicrosPerRequest: { direct: directCpu, transcriber: viaCpu },
    };
    console.log(
      `primary ${name}: breaker opened after ${failovers.length} requests (${openedAfter.toFixed(0)} ms, failover p50 ${stats(failovers).p50.toFixed(1)} ms); ` +
        `then ${(via.p50 - direct.p50).toFixed(3)} ms added at p50, ${(via.p95 - direct.p95).toFixed(3)} ms at p95 (target ≤ 5 ms); ` +
        `client CPU ${directCpu.toFixed(0)} → ${viaCpu.toFixed(0)} µs/request`,
    );
    await stt.close();
  }
  const anchor = 'refused: fallback provider directly (anchor)';
  report('Request latency with the primary down, p50 (ms)', p50, anchor, 'ms');
  report('Request latency with the primary down, p95 (ms)', p95, anchor, 'ms');
  report('Client CPU per request (µs)', cpu, anchor, 'µs');

  // --- Hedging under a slow primary (1 s) with a 50-150 ms fallback ------------------------
  const concurrency = Number(process.env.HEDGE_CONCURRENCY ?? 4);
  const fallbackSpread = openaiProvider({ apiKey: 'bench', baseUrl: urls.spread });
  await latencies(fallbackSpread, 40, concurrency);
  const hedgeAfter = 10;
  const hedged = createFallbackTranscriber({
    providers: [openaiProvider({ apiKey: 'bench', baseUrl: urls.slow, id: 'slow-primary' }), fallbackSpread],
    attemptTimeout: 5000,
    hedgeAfter,
    breaker,
    retry: false,
    probe: { interval: '1h' },
  });
  // The recommended pairing: a slow-call breaker at the hedge delay takes a consistently slow
  // primary out (and the probe brings it back), so requests stop paying the hedge delay.
  const hedgedWithSlowBreaker = createFallbackTranscriber({
    providers: [openaiProvider({ apiKey: 'bench', baseUrl: urls.slow, id: 'slow-primary' }), fallbackSpread],
    attemptTimeout: 5000,
    hedgeAfter,
    breaker: (provider) =>
      provider.id === 'slow-primary'
        ? { ...breaker, minimumThroughput: 10, slowCall: { duration: hedgeAfter, ratio: 0.5 } }
        : breaker,
    retry: false,
    probe: { interval: '1h' },
  });
  // Interleaved rounds, so the anchor and the hedged runs see the same machine noise.
  const ownSamples: number[] = [];
  const hedgedSamples: number[] = [];
  const slowBreakerSamples: number[] = [];
  for (let round = 0; round < 10; round++) {
    ownSamples.push(...(await latencies(fallbackSpread, REQUESTS / 10, concurrency)));
    hedgedSamples.push(...(await latencies(hedged, REQUESTS / 10, concurrency)));
    slowBreakerSamples.push(...(await latencies(hedgedWithSlowBreaker, REQUESTS / 10, concurrency)));
  }
  const slowBreakerState = hedgedWithSlowBreaker.states()['slow-primary'];
  await hedged.close();
  await hedgedWithSlowBreaker.close();
  const own = stats(ownSamples);
  const withHedging = stats(hedgedSamples);
  const withSlowBreaker = stats(slowBreakerSamples);
  report(
    `Hedging (hedgeAfter ${hedgeAfter} ms, ${concurrency} in flight) under a 1 s primary (ms)`,
    {
      "fallback's own p99 (anchor)": own.p99,
      'hedged request p99': withHedging.p99,
      'hedged + slowCall breaker p99': withSlowBreaker.p99,
      "fallback's own p50": own.p50,
      'hedged request p50': withHedging.p50,
      'hedged + slowCall breaker p50': withSlowBreaker.p50,
    },
    "fallback's own p99 (anchor)",
    'ms',
  );
  console.log(
    `hedged p99 / fallback p99 = ${(withHedging.p99 / own.p99).toFixed(3)}; with a slowCall breaker on the primary ` +
      `${(withSlowBreaker.p99 / own.p99).toFixed(3)} (its breaker ended ${slowBreakerState}) (target ≤ 1.2)`,
  );
  results.hedging = {
    hedgeAfterMs: hedgeAfter,
    concurrency,
    fallbackOwn: own,
    hedged: withHedging,
    p99Ratio: withHedging.p99 / own.p99,
    hedgedWithSlowCallBreaker: withSlowBreaker,
    p99RatioWithSlowCallBreaker: withSlowBreaker.p99 / own.p99,
  };
  stop();
  saveResults(results);
}

if (process.env.STT_BENCH_ROLE === 'servers') await runVendors();
else await runBenchmark();
