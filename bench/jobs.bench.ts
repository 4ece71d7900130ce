// @telltale/jobs against named anchors in the same run (issue 18):
// (1) memoryBackend vs p-queue, no-op and 5 ms jobs: jobs/s and CPU per job (process.cpuUsage);
// (2) bullmqBackend vs raw BullMQ Queue/Worker with the same options (concurrency, attempts,
//     backoff, removeOnComplete), producer and worker in this process, Redis in its own:
//     jobs/s and this process's CPU per job (target: ≤ 1.2× raw BullMQ);
// (3) end-to-end latency (submit → done) p50/p95 at BENCH_RATE jobs/s for BENCH_SECONDS across
//     3 worker instances (each its own connections and BullMQ workers) and a submit-only instance.
// Sizes: BENCH_JOBS (default 2,000), BENCH_ROUNDS (3), BENCH_RATE (500), BENCH_SECONDS (5).
import { createJobs, memoryBackend, type Jobs } from '@telltale/jobs';
import { bullmqBackend } from '@telltale/jobs/bullmq';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import { startRedisServer } from '../test-support/redis-server.js';
import { cpuMicros, median, report, saveResults } from './harness.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 10;

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));
const work = (milliseconds: number) => (milliseconds === 0 ? () => undefined : () => sleep(milliseconds));

interface Run {
  jobsPerSecond: number;
  cpuMicrosPerJob: number;
}

async function measure(runOnce: () => Promise<void>): Promise<Run> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    cpus.push(await cpuMicros(runOnce));
    walls.push(performance.now() - started);
  }
  return { jobsPerSecond: JOBS / (median(walls) / 1000), cpuMicrosPerJob: median(cpus) / JOBS };
}

async function memoryRun(milliseconds: number): Promise<Run> {
  const jobs = createJobs({
    backend: memoryBackend(),
    types: { bench: { handler: work(milliseconds), concurrency: CONCURRENCY, maxQueued: JOBS } },
  });
  const result = await measure(async () => {
    const submitted = [];
    for (let index = 0; index < JOBS; index++) submitted.push((await jobs.submit('bench', index)).done);
    await Promise.all(submitted);
  });
  await jobs.close();
  return result;
}

async function pQueueRun(milliseconds: number): Promise<Run> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const handler = work(milliseconds);
  return await measure(async () => {
    const submitted = [];
    for (let index = 0; index < JOBS; index++) submitted.push(queue.add(async () => handler()));
    await Promise.all(submitted);
  });
}

let prefixes = 0;

async function bullmqRun(url: string, milliseconds: number): Promise<Run> {
  const prefix = `bench-${++prefixes}`;
  const jobs = createJobs({
    backend: bullmqBackend({ connection: url, prefix }),
    types: { bench: { handler: work(milliseconds), concurrency: CONCURRENCY, maxQueued: JOBS * 2 } },
  });
  await jobs.stats();
  const result = await measure(async () => {
    const submitted = [];
    for (let index = 0; index < JOBS; index++) submitted.push((await jobs.submit('bench', index)).done);
    await Promise.all(submitted);
  });
  await jobs.close();
  return result;
}

async function rawBullmqRun(url: string, milliseconds: number): Promise<Run> {
  const prefix = `bench-raw-${++prefixes}`;
  const connection = () => new Redis(url, { maxRetriesPerRequest: null });
  const clients = [connection(), connection(), connection()];
  const queue = new Queue('bench', { connection: clients[0]!, prefix });
  const events = new QueueEvents('bench', { connection: clients[1]!, prefix });
  await events.waitUntilReady();
  const handler = work(milliseconds);
  const worker = new Worker('bench', async () => handler(), {
    connection: clients[2]!,
    prefix,
    concurrency: CONCURRENCY,
  });
  // Same job options as the backend: attempts, custom backoff, removeOnComplete by age, priority.
  const options = {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600 },
    removeOnFail: false,
    priority: 2,
  };
  const result = await measure(async () => {
    const pending = new Map<string, () => void>();
    const onCompleted = ({ jobId }: { jobId: string }) => pending.get(jobId)?.();
    events.on('completed', onCompleted);
    const submitted = [];
    for (let index = 0; index < JOBS; index++) {
      const job = await queue.add('bench', { payload: index }, options);
      submitted.push(new Promise<void>((resolve) => pending.set(job.id!, resolve)));
    }
    await Promise.all(submitted);
    events.off('completed', onCompleted);
  });
  await worker.close();
  await events.close();
  await queue.close();
  for (const client of clients) client.disconnect();
  return result;
}

async function latencyRun(url: string): Promise<{ p50: number; p95: number; completed: number }> {
  const prefix = `bench-latency-${++prefixes}`;
  const types = { bench: { handler: work(5), concurrency: CONCURRENCY, maxQueued: RATE * SECONDS * 2 } };
  const workers: Jobs[] = [0, 1, 2].map(() =>
    createJobs({ backend: bullmqBackend({ connection: url, prefix }), types }),
  );
  const producer = createJobs({ backend: bullmqBackend({ connection: url, prefix, workers: false }), types });
  await Promise.all([...workers, producer].map((jobs) => jobs.stats()));
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const total = RATE * SECONDS;
  const started = performance.now();
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const submittedAt = performance.now();
    const { done } = await producer.submit('bench', index);
    pending.push(done.then(() => void latencies.push(performance.now() - submittedAt)));
  }
  await Promise.all(pending);
  await Promise.all([producer, ...workers].map((jobs) => jobs.close()));
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))]!;
  return { p50: at(0.5), p95: at(0.95), completed: latencies.length };
}

const results: Record<string, unknown> = { jobs: JOBS, rounds: ROUNDS, concurrency: CONCURRENCY };
for (const milliseconds of [0, 5]) {
  const label = milliseconds === 0 ? 'no-op' : '5 ms';
  const rows = { 'p-queue': await pQueueRun(milliseconds), 'telltale memoryBackend': await memoryRun(milliseconds) };
  report(`memory, ${label} jobs: CPU per job`, map(rows, 'cpuMicrosPerJob'), 'p-queue', 'µs');
  report(`memory, ${label} jobs: throughput`, map(rows, 'jobsPerSecond'), 'p-queue', 'jobs/s');
  results[`memory ${label}`] = rows;
}

const redis = await startRedisServer();
try {
  for (const milliseconds of [0, 5]) {
    const label = milliseconds === 0 ? 'no-op' : '5 ms';
    const rows = {
      'raw BullMQ Queue/Worker': await rawBullmqRun(redis.url, milliseconds),
      'telltale bullmqBackend': await bullmqRun(redis.url, milliseconds),
    };
    report(
      `BullMQ, ${label} jobs: CPU per job (this process)`,
      map(rows, 'cpuMicrosPerJob'),
      'raw BullMQ Queue/Worker',
      'µs',
    );
    report(`BullMQ, ${label} jobs: throughput`, map(rows, 'jobsPerSecond'), 'raw BullMQ Queue/Worker', 'jobs/s');
    results[`bullmq ${label}`] = rows;
  }
  const latency = await latencyRun(redis.url);
  console.log(`\nend-to-end latency at ${RATE} jobs/s for ${SECONDS} s, 3 worker instances, 5 ms jobs:`);
  console.log(`  p50 ${latency.p50.toFixed(1)} ms  p95 ${latency.p95.toFixed(1)} ms  (${latency.completed} jobs)`);
  results.latency = { rate: RATE, seconds: SECONDS, ...latency };
} finally {
  await redis.close();
}
saveResults(results);

function map(rows: Record<string, Run>, field: keyof Run): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).map(([name, row]) => [name, row[field]]));
}
