// The notifier on several replicas: CPU per message and p95 enqueue-to-delivery at 1,000 msg/s
// spread over 3 replica processes on one Redis (redisStore), against the same notifier on the
// file store in one process (the anchor), and a raw Redis round trip (RPUSH + BLPOP, the floor).
// Every contender delivers to one real webhook sink on 127.0.0.1; the enqueue time travels in
// the message, so latency is measured on one clock. CPU is the replicas' own (process.cpuUsage),
// sink and load generation excluded for the floor; for the notifier the load is generated inside
// each replica (its send() calls are part of the cost). Needs Debian's redis-server.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test-support/redis-server.js';
import { report, saveResults } from './harness.js';

const RATE = 1000;
// 6 s: 6,000 messages, divisible among the 3 replicas.
const SECONDS = Number(process.env.NOTIFY_REDIS_BENCH_SECONDS ?? 6);
const MESSAGES = RATE * SECONDS;
const replicaScript = fileURLToPath(new URL('../packages/notify/test/fixtures/redis-replica.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
  console.log('skipped: redis-server not installed (apt-get install redis-server)');
  process.exit(0);
}

/** The webhook sink: records enqueue-to-arrival latency from the `<prefix>-<n>@<epoch ms>` subject. */
async function startSink() {
  const latencies: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const subject = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { subject: string } }).data
        .subject;
      latencies.push(Date.now() - Number(subject.slice(subject.lastIndexOf('@') + 1)));
      response.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, latencies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Replica {
  child: ChildProcessByStdio<null, Readable, null>;
  port: number;
}

async function startReplica(store: string, sinkUrl: string, name: string): Promise<Replica> {
  const child = spawn(
    process.execPath,
    ['--conditions=@telltale/source', '--import', 'tsx', replicaScript, store, sinkUrl, name, '60000', '16'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

const call = async <T>(replica: Replica, path: string, body?: unknown): Promise<T> =>
  (await (
    await fetch(`http://127.0.0.1:${replica.port}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  ).json()) as T;

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)] ?? NaN;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Runs `replicas` replica processes, each sending its share of RATE msg/s, and waits for the sink. */
async function runNotifier(stores: string[], name: string) {
  const sink = await startSink();
  const replicas = await Promise.all(stores.map((store) => startReplica(store, sink.url, name)));
  try {
    // Warm up (JIT, connections), then measure.
    await Promise.all(
      replicas.map((replica, index) => call(replica, '/load', { prefix: `w${index}`, count: 200, perSecond: 200 })),
    );
    await waitFor(() => sink.latencies.length >= 200 * replicas.length, 30_000);
    sink.latencies.length = 0;
    const before = await Promise.all(replicas.map((replica) => call<{ micros: number }>(replica, '/cpu')));
    const share = Math.floor(MESSAGES / replicas.length);
    const answers = await Promise.all(
      replicas.map((replica, index) =>
        call<{ failed: number }>(replica, '/load', {
          prefix: `m${index}`,
          count: share,
          perSecond: RATE / replicas.length,
        }),
      ),
    );
    await waitFor(() => sink.latencies.length >= share * replicas.length, 60_000);
    const after = await Promise.all(replicas.map((replica) => call<{ micros: number }>(replica, '/cpu')));
    const cpu = after.reduce((sum, end, index) => sum + end.micros - before[index]!.micros, 0);
    return {
      cpuPerMessage: cpu / (share * replicas.length),
      p95Ms: p95(sink.latencies),
      delivered: sink.latencies.length,
      failed: answers.reduce((sum, answer) => sum + answer.failed, 0),
    };
  } finally {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await sink.close();
  }
}

/** The floor: a producer RPUSHes at RATE msg/s, a consumer BLPOPs; CPU of this process, both sides. */
async function runRawRedis(url: string) {
  const producer = new Redis(url);
  const consumer = new Redis(url);
  const latencies: number[] = [];
  const before = process.cpuUsage();
  const consuming = (async () => {
    while (latencies.length < MESSAGES) {
      const popped = await consumer.blpop('bench:raw', 1);
      if (popped) latencies.push(Date.now() - Number(popped[1]));
    }
  })();
  const started = performance.now();
  for (let index = 0; index < MESSAGES; index++) {
    const wait = started + (index / RATE) * 1000 - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    void producer.rpush('bench:raw', String(Date.now()));
  }
  await consuming;
  const used = process.cpuUsage(before);
  producer.disconnect();
  consumer.disconnect();
  return {
    cpuPerMessage: (used.user + used.system) / MESSAGES,
    p95Ms: p95(latencies),
    delivered: latencies.length,
    failed: 0,
  };
}

const redis = await startRedisServer();
const directory = await mkdtemp(join(tmpdir(), 'telltale-notify-bench-'));
try {
  const results = {
    'file store, 1 process (anchor)': await runNotifier([`file:${directory}`], 'file'),
    'redisStore, 3 replicas': await runNotifier([redis.url, redis.url, redis.url], 'bench'),
    'raw Redis RPUSH/BLPOP (floor)': await runRawRedis(redis.url),
  };
  console.log(`\n${MESSAGES} messages at ${RATE} msg/s (preliminary on a shared machine)`);
  for (const [name, result] of Object.entries(results))
    console.log(`  ${name}: delivered ${result.delivered}, failed sends ${result.failed}`);
  const rows = (key: 'cpuPerMessage' | 'p95Ms') =>
    Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result[key]]));
  report('CPU per message', rows('cpuPerMessage'), 'file store, 1 process (anchor)', 'µs');
  report('p95 enqueue-to-delivery', rows('p95Ms'), 'file store, 1 process (anchor)', 'ms');
  saveResults({ rate: RATE, messages: MESSAGES, results });
} finally {
  await redis.close();
  await rm(directory, { recursive: true, force: true });
}
