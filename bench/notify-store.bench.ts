// @telltale/notify durable store: (1) CPU per message and enqueue-to-delivery latency of the
// file store against the memory store (the anchor) at 1,000 msg/s offered, through a signed
// webhook to a sink in a child process and through a memory channel (no I/O, store cost alone);
// (2) the crash test at full size, 20 rounds of each variant: a child enqueueing 1,000
// messages to a dead SMTP port (or delivering them to the live sink as it goes) is SIGKILLed at a
// random point, then a new notifier on the same directory delivers what is left to the live sink;
// printed per round: kill point, accepted, delivered and acknowledged before the kill, deliveries
// in flight at the kill, duplicates, lost, recovered records and recovery time.
// Targets (issue 9): file store within 2× the memory store's CPU per message; p95 < 1 s.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createNotifier,
  fileStore,
  memoryChannel,
  memoryStore,
  webhookChannel,
  type FileStore,
  type NotificationChannel,
  type OutboxStore,
} from '@telltale/notify';
import { runCrashRound, startCrashSink } from '../packages/notify/test/fixtures/crash-run.js';
import { cpuMicros, median, report, saveResults } from './harness.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const CRASH_ROUNDS = Number(process.env.BENCH_CRASH_ROUNDS ?? 20);
const CRASH_MESSAGES = 1_000;
const CRASH_CONNECTIONS = 5;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const here = fileURLToPath(new URL('.', import.meta.url));

interface StoreRun {
  throughput: number;
  p50: number;
  p95: number;
  cpuMicrosPerMessage: number;
  unfinished: number;
  /** File store only: journal writes and fdatasyncs per message (group commit). */
  writesPerMessage?: number;
  syncsPerMessage?: number;
}

interface CrashFigures {
  killAfter: number;
  accepted: number;
  deliveredBeforeKill: number;
  acknowledged: number;
  inFlightAtKill: number;
  duplicates: number;
  duplicatesOutsideFlight: number;
  wrongMessageIds: number;
  lost: number;
  recovered: number;
  recoveryMs: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/** Offers MESSAGES at RATE (10 ms ticks) and measures acceptance-to-delivery latency and CPU. */
async function run(channel: NotificationChannel, store: OutboxStore): Promise<StoreRun> {
  const notifier = createNotifier({ channels: { out: channel }, store, breaker: false, concurrency: { out: 50 } });
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let finished = 0;
  let allDone = (): void => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  notifier.onEvent((event) => {
    if (event.type !== 'delivered' && event.type !== 'dead-lettered') return;
    const at = started.get(event.idempotencyKey);
    if (at !== undefined && event.type === 'delivered') latencies.push(performance.now() - at);
    if (++finished === MESSAGES) allDone();
  });
  const perTick = Math.max(1, Math.round(RATE / 100));
  const begin = performance.now();
  const cpu = await cpuMicros(async () => {
    for (let sent = 0; sent < MESSAGES;) {
      const due = Math.min(MESSAGES, Math.floor(((performance.now() - begin) / 10) * perTick) + perTick);
      for (; sent < due; sent++) {
        const key = `k${sent}`;
        started.set(key, performance.now());
        void notifier.send(
          { subject: `Message ${sent}`, text: 'Hello from the store benchmark' },
          { idempotencyKey: key },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  });
  const elapsed = (performance.now() - begin) / 1000;
  await notifier.close({ timeout: 0 });
  latencies.sort((a, b) => a - b);
  return {
    throughput: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    cpuMicrosPerMessage: cpu / Math.max(1, latencies.length),
    unfinished: MESSAGES - finished,
    ...('stats' in store && typeof store.stats === 'function'
      ? (() => {
          const { writes, syncs } = (store as FileStore).stats();
          return { writesPerMessage: writes / MESSAGES, syncsPerMessage: syncs / MESSAGES };
        })()
      : {}),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  const sink = spawn(process.execPath, [...process.execArgv, join(here, 'notify.bench.ts'), '--sink']);
  sink.stderr.pipe(process.stderr);
  const ports = await new Promise<{ http: number }>((resolve) =>
    sink.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { http: number })),
  );
  const url = `http://127.0.0.1:${ports.http}/hook`;
  console.log(`${MESSAGES} messages at ${RATE} msg/s per contender; webhook sink :${ports.http}`);

  const results: Record<string, StoreRun> = {};
  const directories: string[] = [];
  const freshFileStore = async () => {
    const directory = await mkdtemp(join(tmpdir(), 'telltale-store-bench-'));
    directories.push(directory);
    return fileStore({ directory });
  };
  for (let round = 0; round < 3; round++) {
    const rows: [string, () => NotificationChannel, () => Promise<OutboxStore>][] = [
      [
        'webhook + memory store (anchor)',
        () => webhookChannel({ url, secret: SECRET, concurrency: 50 }),
        () => Promise.resolve(memoryStore()),
      ],
      ['webhook + file store', () => webhookChannel({ url, secret: SECRET, concurrency: 50 }), freshFileStore],
      [
        'no I/O + memory store (anchor)',
        () => memoryChannel({ concurrency: 50 }),
        () => Promise.resolve(memoryStore()),
      ],
      ['no I/O + file store', () => memoryChannel({ concurrency: 50 }), freshFileStore],
    ];
    for (const [name, channel, store] of rows) {
      const result = await run(channel(), await store());
      const previous = results[name];
      // Keep the median-CPU round of three.
      results[`${name}#${round}`] = result;
      if (!previous) results[name] = result;
    }
  }
  for (const name of Object.keys(results).filter((key) => !key.includes('#'))) {
    const rounds = [0, 1, 2].map((round) => results[`${name}#${round}`]!);
    const cpu = median(rounds.map((result) => result.cpuMicrosPerMessage));
    results[name] = rounds.find((result) => result.cpuMicrosPerMessage === cpu) ?? rounds[1]!;
    for (const round of [0, 1, 2]) delete results[`${name}#${round}`];
  }
  sink.stdin.end();
  sink.kill();
  for (const directory of directories) await rm(directory, { recursive: true, force: true });

  console.log(
    `\n  ${'contender'.padEnd(34)} ${'msg/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'CPU µs/msg'.padStart(11)} unfinished  writes/msg  syncs/msg`,
  );
  for (const [name, result] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(34)} ${result.throughput.toFixed(0).padStart(7)} ${result.p50.toFixed(1).padStart(8)} ${result.p95.toFixed(1).padStart(8)} ${result.cpuMicrosPerMessage.toFixed(0).padStart(11)} ${String(result.unfinished).padStart(10)}  ${(result.writesPerMessage?.toFixed(3) ?? '-').padStart(10)}  ${(result.syncsPerMessage?.toFixed(3) ?? '-').padStart(9)}`,
    );
  }
  const pick = (a: string, b: string) => ({
    [a]: results[a]!.cpuMicrosPerMessage,
    [b]: results[b]!.cpuMicrosPerMessage,
  });
  report(
    'CPU per message, webhook',
    pick('webhook + memory store (anchor)', 'webhook + file store'),
    'webhook + memory store (anchor)',
    'µs',
  );
  report(
    'CPU per message, no I/O (store cost alone)',
    pick('no I/O + memory store (anchor)', 'no I/O + file store'),
    'no I/O + memory store (anchor)',
    'µs',
  );

  // Crash rounds (the 20, of both variants), with a live SMTP sink in this process.
  const smtpSink = await startCrashSink();
  const deadPort = await freePort();
  const crash: Record<'dead' | 'live', CrashFigures[]> = { dead: [], live: [] };
  for (const mode of ['dead', 'live'] as const) {
    console.log(
      `\nCrash test, ${mode === 'dead' ? 'dead SMTP server (kill after N accepted)' : 'live SMTP server (kill after N delivered)'}:`,
    );
    console.log(
      `  ${'round'.padStart(5)} ${'kill at'.padStart(7)} ${'accepted'.padStart(8)} ${'delivered'.padStart(9)} ${'acked'.padStart(6)} ${'in flight'.padStart(9)} ${'dups'.padStart(5)} ${'lost'.padStart(5)} ${'recovered'.padStart(9)} ${'recovery ms'.padStart(11)}`,
    );
    for (let round = 0; round < CRASH_ROUNDS; round++) {
      const directory = await mkdtemp(join(tmpdir(), 'telltale-crash-bench-'));
      try {
        const killAfter = 1 + Math.floor(Math.random() * (CRASH_MESSAGES - 1));
        const result = await runCrashRound({
          directory,
          mode,
          killAfter,
          sink: smtpSink,
          deadPort,
          messages: CRASH_MESSAGES,
          connections: CRASH_CONNECTIONS,
        });
        const duplicatesOutsideFlight = [...result.duplicates.keys()].filter((key) => !result.inFlightAtKill.has(key));
        const wrongMessageIds = result.mails.filter((mail) => mail.messageId !== `<${mail.key}@example.com>`).length;
        const figures: CrashFigures = {
          killAfter,
          accepted: result.events.accepted.size,
          deliveredBeforeKill: result.events.delivered.size,
          acknowledged: result.events.acked.size,
          inFlightAtKill: result.inFlightAtKill.size,
          duplicates: result.duplicates.size,
          duplicatesOutsideFlight: duplicatesOutsideFlight.length,
          wrongMessageIds,
          lost: result.lost.length,
          recovered: result.recovery.records,
          recoveryMs: Math.round(result.recoveryMs),
        };
        crash[mode].push(figures);
        console.log(
          `  ${String(round + 1).padStart(5)} ${String(killAfter).padStart(7)} ${String(figures.accepted).padStart(8)} ${String(figures.deliveredBeforeKill).padStart(9)} ${String(figures.acknowledged).padStart(6)} ${String(figures.inFlightAtKill).padStart(9)} ${String(figures.duplicates).padStart(5)} ${String(figures.lost).padStart(5)} ${String(figures.recovered).padStart(9)} ${String(figures.recoveryMs).padStart(11)}`,
        );
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  }
  await smtpSink.close();
  for (const mode of ['dead', 'live'] as const) {
    const rows = crash[mode];
    const lost = rows.reduce((sum, row) => sum + row.lost, 0);
    const outside = rows.reduce((sum, row) => sum + row.duplicatesOutsideFlight + row.wrongMessageIds, 0);
    const duplicates = rows.map((row) => row.duplicates);
    console.log(
      `Crash test (${mode}): ${rows.length} rounds, ${lost} acknowledged messages lost ${lost === 0 ? '✓' : '✗'}; ` +
        `duplicates per round max ${Math.max(...duplicates)} (median ${median(duplicates)}; bound: ${CRASH_CONNECTIONS} in transmission + unwritten acks); ` +
        `duplicates outside the in-flight set or with another Message-ID: ${outside} ${outside === 0 ? '✓' : '✗'}; ` +
        `recovery median ${median(rows.map((row) => row.recoveryMs)).toFixed(0)} ms`,
    );
  }
  const ratio =
    results['webhook + file store']!.cpuMicrosPerMessage /
    results['webhook + memory store (anchor)']!.cpuMicrosPerMessage;
  console.log(
    `Target file store within 2× memory store CPU/msg (webhook): ×${ratio.toFixed(2)} ${ratio <= 2 ? '✓' : '✗'}`,
  );
  const p95 = results['webhook + file store']!.p95;
  console.log(
    `Target p95 < 1 s (webhook + file store): ${p95.toFixed(1)} ms ${p95 < 1000 ? '✓' : '✗'} ` +
      `(memory store anchor ${results['webhook + memory store (anchor)']!.p95.toFixed(1)} ms; no I/O: file ` +
      `${results['no I/O + file store']!.p95.toFixed(1)} ms vs memory ${results['no I/O + memory store (anchor)']!.p95.toFixed(1)} ms)`,
  );
  saveResults({ messages: MESSAGES, rate: RATE, results, crash });
}

await main();
