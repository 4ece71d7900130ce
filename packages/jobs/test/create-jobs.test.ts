import { createManualClock } from '@telltale/core';
import { createJobs, JOBS_ERROR_CODES, type JobEvent } from '@telltale/jobs';
import { constant } from '@telltale/resilience';
import { describe, expect, it } from 'vitest';

const tick = async (rounds = 3): Promise<void> => {
  for (let index = 0; index < rounds; index++) await new Promise((resolve) => setImmediate(resolve));
};

/** A handler whose calls wait until released, recording how many run at once. */
function gated() {
  const gates: (() => void)[] = [];
  const seen: unknown[] = [];
  let running = 0;
  let peak = 0;
  const handler = (payload: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      seen.push(payload);
      running++;
      peak = Math.max(peak, running);
      gates.push(() => {
        running--;
        resolve(payload);
      });
    });
  return {
    handler,
    seen,
    peak: () => peak,
    releaseAll: async () => {
      while (gates.length > 0) {
        gates.shift()!();
        await tick();
      }
    },
  };
}

describe('createJobs (memory backend)', () => {
  it('runs jobs with per-type concurrency and resolves done with the result', async () => {
    const work = gated();
    const jobs = createJobs({ types: { resize: { handler: work.handler, concurrency: 2 } } });
    const submitted = await Promise.all([1, 2, 3, 4, 5].map((index) => jobs.submit('resize', index)));
    await tick();
    expect((await jobs.stats()).resize).toMatchObject({ active: 2, waiting: 3 });
    await work.releaseAll();
    await expect(Promise.all(submitted.map((job) => job.done))).resolves.toEqual([1, 2, 3, 4, 5]);
    expect(work.peak()).toBe(2);
    expect(await jobs.get(submitted[0]!.id)).toMatchObject({ status: 'completed', attempts: 1, result: 1 });
    await jobs.close();
  });

  it('starts waiting jobs in priority order, FIFO within a priority', async () => {
    const work = gated();
    const jobs = createJobs({ types: { report: { handler: work.handler, concurrency: 1, priority: 'low' } } });
    await jobs.submit('report', 'blocker');
    await jobs.submit('report', 'low-1');
    await jobs.submit('report', 'high-1', { priority: 'high' });
    await jobs.submit('report', 'medium-1', { priority: 'medium' });
    await jobs.submit('report', 'high-2', { priority: 'high' });
    await work.releaseAll();
    await tick();
    expect(work.seen).toEqual(['blocker', 'high-1', 'high-2', 'medium-1', 'low-1']);
    await jobs.close();
  });

  it('retries with the backoff, then dead-letters; done rejects with the code and the last error', async () => {
    const clock = createManualClock();
    const attempts: number[] = [];
    const jobs = createJobs({
      clock,
      types: {
        email: {
          maxAttempts: 3,
          backoff: constant('1s'),
          handler: (_payload: unknown, { attempt }) => {
            attempts.push(attempt);
            throw new Error('smtp down');
          },
        },
      },
    });
    const { id, done } = await jobs.submit('email', { to: 'a@example.com' });
    await tick();
    expect(attempts).toEqual([1]);
    expect(await jobs.get(id)).toMatchObject({ status: 'failed', runAt: 1_000, error: { message: 'smtp down' } });
    await clock.advanceAsync(999);
    expect(attempts).toEqual([1]);
    await clock.advanceAsync(1);
    expect(attempts).toEqual([1, 2]);
    await clock.advanceAsync(1_000);
    await expect(done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.deadLettered, cause: { message: 'smtp down' } });
    expect(await jobs.deadLetters()).toMatchObject([{ id, status: 'dead', attempts: 3, finishedAt: 2_000 }]);
    await jobs.close();
  });

  it('opens a breaker per type: while open, due jobs wait without burning attempts', async () => {
    const clock = createManualClock();
    let healthy = false;
    const calls: string[] = [];
    const jobs = createJobs({
      clock,
      types: {
        flaky: {
          maxAttempts: 1,
          breaker: { minimumThroughput: 2, failureRatio: 1, halfOpenAfter: '60s', window: '60s' },
          handler: (name: string) => {
            calls.push(name);
            if (!healthy) throw new Error('upstream down');
            return name;
          },
        },
        other: { handler: (name: string) => (calls.push(name), name) },
      },
    });
    await jobs.submit('flaky', 'f1');
    await jobs.submit('flaky', 'f2');
    await tick();
    const third = await jobs.submit('flaky', 'f3');
    const other = await jobs.submit('other', 'o1');
    await tick();
    await expect(other.done).resolves.toBe('o1');
    expect(calls).toEqual(['f1', 'f2', 'o1']);
    expect(await jobs.get(third.id)).toMatchObject({ status: 'delayed', attempts: 0 });
    healthy = true;
    await clock.advanceAsync(60_000);
    await expect(third.done).resolves.toBe('f3');
    expect(await jobs.get(third.id)).toMatchObject({ status: 'completed', attempts: 1 });
    await jobs.close();
  });

  it('cancel removes a waiting job; a running job sees its signal aborted and ends cancelled', async () => {
    let seen: AbortSignal | undefined;
    const runs: string[] = [];
    const jobs = createJobs({
      types: {
        slow: {
          handler: (name: string, { signal }) =>
            new Promise((_, reject) => {
              runs.push(name);
              seen = signal;
              signal.addEventListener('abort', () => reject(new Error('stopped')));
            }),
        },
      },
    });
    const running = await jobs.submit('slow', 'first');
    const waiting = await jobs.submit('slow', 'second');
    await tick();
    expect(await jobs.get(waiting.id)).toMatchObject({ status: 'waiting' });
    expect(await jobs.cancel(waiting.id)).toBe(true);
    await expect(waiting.done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(await jobs.get(waiting.id)).toBeUndefined();

    expect(await jobs.cancel(running.id)).toBe(true);
    expect(seen?.aborted).toBe(true);
    await expect(running.done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(await jobs.get(running.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(runs).toEqual(['first']);
    expect(await jobs.cancel(running.id)).toBe(false);
    expect(await jobs.cancel('slow.unknown')).toBe(false);
    await jobs.close();
  });

  it('aborting the submit signal cancels the job; an aborted signal refuses the submission', async () => {
    const clock = createManualClock();
    let runs = 0;
    const jobs = createJobs({ clock, types: { later: { handler: () => ++runs } } });
    const controller = new AbortController();
    const { id, done } = await jobs.submit('later', {}, { delay: '1m', signal: controller.signal });
    controller.abort();
    await expect(done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.cancelled });
    expect(await jobs.get(id)).toBeUndefined();
    await clock.advanceAsync(60_000);
    expect(runs).toBe(0);
    await expect(jobs.submit('later', {}, { signal: controller.signal })).rejects.toMatchObject({
      code: 'TELLTALE_ABORTED',
    });
    await jobs.close();
  });

  it('returns the existing job for a duplicate idempotency key, while the job is kept', async () => {
    const clock = createManualClock();
    let runs = 0;
    const jobs = createJobs({ clock, keepCompleted: '10m', types: { charge: { handler: () => ++runs } } });
    const first = await jobs.submit('charge', { amount: 5 }, { idempotencyKey: 'order-1' });
    const again = await jobs.submit('charge', { amount: 5 }, { idempotencyKey: 'order-1' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    await expect(again.done).resolves.toBe(1);
    // After completion a duplicate still resolves with the stored result.
    const late = await jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    expect(late.duplicate).toBe(true);
    await expect(late.done).resolves.toBe(1);
    await clock.advanceAsync(10 * 60_000);
    const later = await jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    expect(later.duplicate).toBe(false);
    await later.done;
    expect(runs).toBe(2);
    await jobs.close();
  });

  it('refuses submissions beyond maxQueued with TELLTALE_JOBS_QUEUE_FULL', async () => {
    const work = gated();
    const jobs = createJobs({ types: { burst: { handler: work.handler, maxQueued: 2 } } });
    await jobs.submit('burst', 'running');
    await tick();
    await jobs.submit('burst', 'w1');
    await jobs.submit('burst', 'w2');
    await expect(jobs.submit('burst', 'w3')).rejects.toMatchObject({ code: JOBS_ERROR_CODES.queueFull });
    await work.releaseAll();
    await jobs.close();
  });

  it('redrives dead letters on schedule up to maxRedrives and drops them after dropAfter', async () => {
    const clock = createManualClock();
    let runs = 0;
    const jobs = createJobs({
      clock,
      deadLetter: { redriveEvery: '1h', maxRedrives: 2, dropAfter: '30d' },
      types: {
        broken: {
          maxAttempts: 1,
          handler: () => {
            runs++;
            throw new Error('still broken');
          },
        },
      },
    });
    const events: JobEvent['type'][] = [];
    jobs.onEvent((event) => events.push(event.type));
    const { id } = await jobs.submit('broken', {});
    await tick();
    expect(runs).toBe(1);
    await clock.advanceAsync(3_600_000);
    expect(runs).toBe(2);
    await clock.advanceAsync(3_600_000);
    expect(runs).toBe(3);
    expect(await jobs.get(id)).toMatchObject({ status: 'dead', redrives: 2, attempts: 3 });
    await clock.advanceAsync(3_600_000);
    expect(runs).toBe(3);
    expect(events.filter((type) => type === 'job-redriven')).toHaveLength(2);
    await clock.advanceAsync(30 * 24 * 3_600_000);
    expect(await jobs.get(id)).toBeUndefined();
    expect(await jobs.deadLetters()).toEqual([]);
    await jobs.close();
  });

  it('redrive(filter) moves matching dead letters back; a fixed job then completes', async () => {
    let healthy = false;
    const jobs = createJobs({
      types: {
        a: { maxAttempts: 1, handler: () => (healthy ? 'ok' : Promise.reject(new Error('down'))) },
        b: { maxAttempts: 1, handler: () => Promise.reject(new Error('down')) },
      },
    });
    const a = await jobs.submit('a', {});
    await jobs.submit('b', {});
    await tick();
    expect((await jobs.deadLetters()).map((letter) => letter.type).sort()).toEqual(['a', 'b']);
    healthy = true;
    expect(await jobs.redrive({ type: 'a' })).toBe(1);
    await tick();
    expect(await jobs.get(a.id)).toMatchObject({ status: 'completed', redrives: 1 });
    expect(await jobs.deadLetters()).toMatchObject([{ type: 'b' }]);
    await expect(jobs.redrive({ type: 'nope' })).rejects.toMatchObject({ code: 'TELLTALE_CONFIG' });
    await jobs.close();
  });

  it('reports progress and emits events in order', async () => {
    const clock = createManualClock();
    const jobs = createJobs({
      clock,
      types: {
        transcribe: {
          maxAttempts: 2,
          backoff: constant('1s'),
          handler: (_payload: unknown, { attempt, progress }) => {
            progress({ percent: 50 });
            if (attempt === 1) throw new Error('blip');
            return 'text';
          },
        },
      },
    });
    const events: JobEvent[] = [];
    jobs.onEvent((event) => events.push(event));
    const { id, done } = await jobs.submit('transcribe', {}, { delay: '5s' });
    expect(await jobs.get(id)).toMatchObject({ status: 'delayed', runAt: 5_000 });
    await clock.advanceAsync(5_000);
    await clock.advanceAsync(1_000);
    await expect(done).resolves.toBe('text');
    expect(events.map((event) => event.type)).toEqual([
      'job-queued',
      'job-started',
      'job-progressed',
      'job-failed',
      'job-retried',
      'job-started',
      'job-progressed',
      'job-completed',
    ]);
    expect(events[0]).toMatchObject({ id, jobType: 'transcribe', status: 'delayed' });
    expect(events[4]).toMatchObject({ attempt: 1, runAt: 6_000 });
    expect(await jobs.get(id)).toMatchObject({ progress: { percent: 50 }, attempts: 2 });
    await jobs.close();
  });

  it('health check fails on stuck active jobs and a high failure ratio, warns on backlog', async () => {
    const clock = createManualClock();
    const work = gated();
    const jobs = createJobs({ clock, types: { long: { handler: work.handler } } });
    const check = jobs.healthCheck({ stuckAfter: '10m', maxBacklog: 1 });
    await expect(check()).resolves.toEqual({ status: 'pass', observedValue: 0 });
    const { id } = await jobs.submit('long', 'x');
    await jobs.submit('long', 'y');
    await jobs.submit('long', 'z');
    await tick();
    expect(await check()).toMatchObject({ status: 'warn', output: expect.stringContaining('2 jobs waiting') });
    await clock.advanceAsync(10 * 60_000 + 1);
    const stuck = await check();
    expect(stuck).toMatchObject({ status: 'fail', observedValue: 1 });
    expect(stuck.output).toContain(id);
    await work.releaseAll();
    await jobs.close();
  });

  it('validates options at construction and input at submit', async () => {
    expect(() => createJobs({ types: {} })).toThrow(/createJobs.types/);
    expect(() => createJobs({ types: { 'a:b': { handler: () => 1 } } })).toThrow(/createJobs.types.a:b/);
    expect(() => createJobs({ types: { x: { handler: 'no' as never } } })).toThrow(/createJobs.types.x.handler/);
    expect(() => createJobs({ types: { x: { handler: () => 1, concurrency: 0 } } })).toThrow(/concurrency/);
    expect(() => createJobs({ types: { x: { handler: () => 1 } }, deadLetter: { redriveEvery: 'soon' } })).toThrow(
      /redriveEvery/,
    );
    const jobs = createJobs({ types: { x: { handler: () => 1 } } });
    await expect(jobs.submit('y', {})).rejects.toMatchObject({ code: 'TELLTALE_CONFIG', option: 'type' });
    await expect(jobs.submit('x', {}, { priority: 'urgent' as never })).rejects.toMatchObject({
      code: 'TELLTALE_CONFIG',
    });
    await jobs.close();
    await expect(jobs.submit('x', {})).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
  });

  it('close aborts running jobs and rejects pending done promises with TELLTALE_CLOSED', async () => {
    let seen: AbortSignal | undefined;
    const jobs = createJobs({
      types: {
        slow: {
          handler: (_payload: unknown, { signal }) =>
            new Promise((_, reject) => {
              seen = signal;
              signal.addEventListener('abort', () => reject(new Error('aborted')));
            }),
        },
      },
    });
    const running = await jobs.submit('slow', {});
    const waiting = await jobs.submit('slow', {});
    await tick();
    await jobs.close();
    expect(seen?.aborted).toBe(true);
    await expect(running.done).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
    await expect(waiting.done).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
  });
});
