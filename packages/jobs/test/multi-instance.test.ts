import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';

const missing = missingPeer('redis-server');
const root = join(import.meta.dirname, '..', '..', '..');
const fixture = join(import.meta.dirname, 'fixtures', 'worker.ts');

interface Submitted {
  n: number;
  id: string;
  duplicate: boolean;
}

/** A worker process (test/fixtures/worker.ts) with an IPC channel. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  exited = false;

  constructor(url: string, prefix: string, workMs: number) {
    const environment = { ...process.env };
    delete environment.NODE_OPTIONS;
    this.child = spawn(
      process.execPath,
      ['--conditions=@telltale/source', '--import', 'tsx', fixture, url, prefix, String(workMs)],
      { cwd: root, env: environment, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    this.child.once('exit', () => (this.exited = true));
    this.ready = this.next<{ ready: number }>('ready').then(() => undefined);
  }

  private next<T>(field: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>): void => {
        if (!(field in message)) return;
        this.child.off('message', onMessage);
        resolve(message as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code) => reject(new Error(`worker exited (${code}) before "${field}"`)));
    });
  }

  async submit(jobs: { n: number; key: string }[]): Promise<Submitted[]> {
    const reply = this.next<{ submitted: Submitted[] }>('submitted');
    this.child.send({ submit: jobs });
    return (await reply).submitted;
  }

  async close(): Promise<number | null> {
    if (this.exited) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.send({ close: true });
    return await exited;
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const countBy = (entries: string[]): Map<number, number> => {
  const counts = new Map<number, number>();
  for (const entry of entries) {
    const n = Number(entry.split(':')[0]);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
};

/** Job numbers that started in process `pid`. */
const numbersRunBy = (started: string[], pid: number): Set<number> =>
  new Set(started.filter((entry) => Number(entry.split(':')[1]) === pid).map((entry) => Number(entry.split(':')[0])));

const distinct = (entries: string[]): number => countBy(entries).size;

describe.skipIf(missing)('bullmqBackend across worker processes', () => {
  let server: RedisServer;
  let redis: Redis;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    redis?.disconnect();
    await server?.close();
  });

  it(
    'three workers: every unique job completes, a duplicate key never runs twice, a killed worker’s job is taken over, global concurrency 3 holds',
    { timeout: 60_000 },
    async () => {
      const prefix = 'acceptance';
      const three = [0, 1, 2].map(() => new WorkerProcess(server.url, prefix, 30));
      workers.push(...three);
      await Promise.all(three.map((worker) => worker.ready));
      // 100 jobs submitted by each process; 10 of each process's keys submitted again to the next one.
      const batches = three.map((_, index) =>
        Array.from({ length: 100 }, (_, k) => ({ n: index * 100 + k, key: `job-${index * 100 + k}` })),
      );
      const duplicates = three.map((_, index) => batches[(index + 2) % 3]!.slice(0, 10));
      const submitted = (
        await Promise.all(three.map((worker, index) => worker.submit([...batches[index]!, ...duplicates[index]!])))
      ).flat();
      expect(submitted).toHaveLength(330);
      expect(submitted.filter((job) => job.duplicate)).toHaveLength(30);
      expect(new Set(submitted.map((job) => job.id)).size).toBe(300);
      const submittedNumbers = new Map(submitted.map((job) => [job.id, job.n]));

      // SIGKILL one worker while it runs a job, after the run is under way.
      await until(async () => (await redis.llen(`${prefix}:test:done`)) >= 60, 20_000);
      let victim: WorkerProcess | undefined;
      await until(async () => {
        for (const worker of three) {
          if ((await redis.scard(`${prefix}:test:current:${worker.child.pid}`)) > 0) victim = worker;
        }
        return victim !== undefined;
      }, 10_000);
      const victimPid = victim!.child.pid!;
      await victim!.kill();
      const interrupted = await redis.smembers(`${prefix}:test:current:${victimPid}`);
      expect(interrupted.length).toBeGreaterThan(0);
      // Its jobs stay active in BullMQ until taken over; only the counter it can no longer decrement is fixed up.
      await redis.decrby(`${prefix}:test:running`, Number(await redis.get(`${prefix}:test:active:${victimPid}`)));

      await until(async () => distinct(await redis.lrange(`${prefix}:test:done`, 0, -1)) >= 300, 40_000);
      const done = await redis.lrange(`${prefix}:test:done`, 0, -1);
      const started = await redis.lrange(`${prefix}:test:started`, 0, -1);
      const completions = countBy(done);
      expect(completions.size).toBe(300);
      const starts = countBy(started);
      const ranOnVictim = numbersRunBy(started, victimPid);
      // At-least-once: only a job the killed worker was running may run (or even finish) twice.
      for (const [n, count] of starts) if (count > 1) expect(ranOnVictim.has(n), `job ${n} ran ${count}×`).toBe(true);
      for (const [n, count] of completions)
        if (count > 1) expect(ranOnVictim.has(n), `job ${n} done ${count}×`).toBe(true);
      expect(starts.size).toBe(300);
      // The interrupted jobs completed in a surviving process.
      const finishedBy = new Map(done.map((entry) => [Number(entry.split(':')[0]), Number(entry.split(':')[1])]));
      const takenOver = [...starts].filter(([, count]) => count > 1).map(([n]) => n);
      expect(takenOver.length).toBeGreaterThan(0);
      for (const n of interrupted.map((id) => submittedNumbers.get(id)!)) {
        expect(takenOver).toContain(n);
        expect(finishedBy.get(n)).not.toBe(victimPid);
      }
      expect(Number(await redis.get(`${prefix}:test:peak`))).toBeLessThanOrEqual(3);
      expect(Number(await redis.get(`${prefix}:test:peak`))).toBe(3);

      const survivors = three.filter((worker) => worker !== victim);
      expect(await Promise.all(survivors.map((worker) => worker.close()))).toEqual([0, 0]);
    },
  );

  it('jobs submitted before every process restarts complete after it', { timeout: 30_000 }, async () => {
    const prefix = 'restart';
    const before = [0, 1].map(() => new WorkerProcess(server.url, prefix, 200));
    workers.push(...before);
    await Promise.all(before.map((worker) => worker.ready));
    await before[0]!.submit(Array.from({ length: 30 }, (_, n) => ({ n, key: `r-${n}` })));
    await until(async () => (await redis.llen(`${prefix}:test:done`)) >= 3, 10_000);
    await Promise.all(before.map((worker) => worker.kill()));
    const doneBefore = await redis.llen(`${prefix}:test:done`);
    expect(doneBefore).toBeLessThan(30);

    const after = [0, 1].map(() => new WorkerProcess(server.url, prefix, 20));
    workers.push(...after);
    await Promise.all(after.map((worker) => worker.ready));
    await until(async () => distinct(await redis.lrange(`${prefix}:test:done`, 0, -1)) >= 30, 20_000);
    const completions = countBy(await redis.lrange(`${prefix}:test:done`, 0, -1));
    expect(completions.size).toBe(30);
    // A job may finish twice only if a killed process ran it (killed after its handler, before BullMQ's ack).
    const started = await redis.lrange(`${prefix}:test:started`, 0, -1);
    const ranOnKilled = new Set(before.flatMap((worker) => [...numbersRunBy(started, worker.child.pid!)]));
    for (const [n, count] of completions)
      if (count > 1) expect(ranOnKilled.has(n), `job ${n} done ${count}×`).toBe(true);
    expect(await Promise.all(after.map((worker) => worker.close()))).toEqual([0, 0]);
  });
});
