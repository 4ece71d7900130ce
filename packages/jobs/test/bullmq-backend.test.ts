import { createJobs, JOBS_ERROR_CODES, type JobEvent, type Jobs } from '@telltale/jobs';
import { bullmqBackend } from '@telltale/jobs/bullmq';
import { constant } from '@telltale/resilience';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';

const missing = missingPeer('redis-server');
let prefixes = 0;
const nextPrefix = () => `t${++prefixes}`;

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(missing)('bullmqBackend (real redis-server)', () => {
  let redis: RedisServer;
  const open: Jobs[] = [];
  const track = (jobs: Jobs): Jobs => (open.push(jobs), jobs);

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(open.map((jobs) => jobs.close()));
    await redis?.close();
  });

  it('runs a job, reports progress and status, and resolves done', async () => {
    const jobs = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix: nextPrefix() }),
        types: {
          transcribe: {
            handler: async (payload: { words: number }, { progress }) => {
              progress({ percent: 50 });
              await new Promise((resolve) => setTimeout(resolve, 20));
              return { text: 'hello '.repeat(payload.words).trim() };
            },
          },
        },
      }),
    );
    const events: JobEvent['type'][] = [];
    jobs.onEvent((event) => events.push(event.type));
    const { id, done } = await jobs.submit('transcribe', { words: 2 }, { priority: 'high' });
    await expect(done).resolves.toEqual({ text: 'hello hello' });
    expect(await jobs.get(id)).toMatchObject({
      id,
      type: 'transcribe',
      status: 'completed',
      attempts: 1,
      priority: 'high',
      progress: { percent: 50 },
      result: { text: 'hello hello' },
    });
    expect(events).toEqual(['job-queued', 'job-started', 'job-progressed', 'job-completed']);
    expect((await jobs.stats()).transcribe).toMatchObject({ completed: 1, waiting: 0, active: 0 });
  });

  it('returns the existing job for a duplicate idempotency key', async () => {
    let runs = 0;
    const jobs = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix: nextPrefix() }),
        types: { charge: { handler: () => ++runs } },
      }),
    );
    const first = await jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    const again = await jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    await expect(first.done).resolves.toBe(1);
    await expect(again.done).resolves.toBe(1);
    const late = await jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    expect(late.duplicate).toBe(true);
    await expect(late.done).resolves.toBe(1);
    expect(runs).toBe(1);
  });

  it('refuses submissions beyond maxQueued with TELLTALE_JOBS_QUEUE_FULL', async () => {
    const prefix = nextPrefix();
    const producer = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix, workers: false }),
        types: { burst: { handler: () => undefined, maxQueued: 2 } },
      }),
    );
    await producer.submit('burst', 1);
    await producer.submit('burst', 2, { delay: '1h' });
    await expect(producer.submit('burst', 3)).rejects.toMatchObject({ code: JOBS_ERROR_CODES.queueFull });
    // Another process sees the same backlog in Redis.
    const other = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix, workers: false }),
        types: { burst: { handler: () => undefined, maxQueued: 2 } },
      }),
    );
    await expect(other.submit('burst', 4)).rejects.toMatchObject({ code: JOBS_ERROR_CODES.queueFull });
    expect((await other.stats()).burst).toMatchObject({ waiting: 1, delayed: 1 });
  });

  it('cancel removes a waiting job and aborts a running one, which ends cancelled', async () => {
    let seen: AbortSignal | undefined;
    const jobs = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix: nextPrefix() }),
        types: {
          slow: {
            handler: (_payload: unknown, { signal }) =>
              new Promise((_, reject) => {
                seen = signal;
                signal.addEventListener('abort', () => reject(new Error('stopped')));
              }),
          },
        },
      }),
    );
    const running = await jobs.submit('slow', {});
    await until(async () => (await jobs.get(running.id))?.status === 'active');
    const waiting = await jobs.submit('slow', {});
    expect(await jobs.get(waiting.id)).toMatchObject({ status: 'waiting' });
    expect(await jobs.cancel(waiting.id)).toBe(true);
    await expect(waiting.done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(await jobs.get(waiting.id)).toBeUndefined();

    expect(await jobs.cancel(running.id)).toBe(true);
    await expect(running.done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(seen?.aborted).toBe(true);
    expect(await jobs.get(running.id)).toMatchObject({ status: 'cancelled' });
    expect(await jobs.deadLetters()).toEqual([]);
  });

  it('cancels a job running in another instance', async () => {
    const prefix = nextPrefix();
    let seen: AbortSignal | undefined;
    const worker = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix }),
        types: {
          slow: {
            handler: (_payload: unknown, { signal }) =>
              new Promise((_, reject) => {
                seen = signal;
                signal.addEventListener('abort', () => reject(new Error('stopped')));
              }),
          },
        },
      }),
    );
    const web = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix, workers: false }),
        types: { slow: { handler: () => undefined } },
      }),
    );
    await worker.stats();
    const { id, done } = await web.submit('slow', {});
    await until(async () => (await web.get(id))?.status === 'active');
    expect(await web.cancel(id)).toBe(true);
    await expect(done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(seen?.aborted).toBe(true);
  });

  it('retries, dead-letters, then redrives on schedule up to maxRedrives and drops after dropAfter', async () => {
    let runs = 0;
    const jobs = track(
      createJobs({
        backend: bullmqBackend({ connection: redis.url, prefix: nextPrefix() }),
        deadLetter: { redriveEvery: '300ms', maxRedrives: 2, dropAfter: '1500ms' },
        types: {
          broken: {
            maxAttempts: 2,
            backoff: constant('50ms'),
            handler: () => {
              runs++;
              throw new Error('still broken');
            },
          },
        },
      }),
    );
    const { id, done } = await jobs.submit('broken', {});
    await expect(done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.deadLettered });
    expect(runs).toBe(2);
    await until(async () => (await jobs.get(id))?.redrives === 2 && (await jobs.get(id))?.status === 'dead');
    expect(await jobs.get(id)).toMatchObject({ status: 'dead', attempts: 6, error: { message: 'still broken' } });
    expect(runs).toBe(6);
    await until(async () => (await jobs.get(id)) === undefined, 5_000);
    expect(await jobs.deadLetters()).toEqual([]);
  });
});

describe('bullmqBackend options', () => {
  it('validates its options', () => {
    expect(() => bullmqBackend({ connection: 42 as never })).toThrow(/bullmqBackend.connection/);
    expect(() => bullmqBackend({ connection: 'redis://x', lockDuration: 'long' })).toThrow(/lockDuration/);
  });
});
