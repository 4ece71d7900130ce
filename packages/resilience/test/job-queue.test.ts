import { createManualClock, TelltaleError } from '@telltale/core';
import { constant, jobQueue, type DeadLetter, type JobDeadLetter, type JobEvent } from '@telltale/resilience';
import { describe, expect, expectTypeOf, it } from 'vitest';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('jobQueue', () => {
  it('runs jobs with per-type concurrency', async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const jobs = jobQueue({
      types: {
        resize: {
          concurrency: 2,
          handler: () =>
            new Promise<void>((resolve) => {
              running++;
              peak = Math.max(peak, running);
              gates.push(() => {
                running--;
                resolve();
              });
            }),
        },
      },
    });
    for (let index = 0; index < 5; index++) jobs.submit('resize', { index });
    await tick();
    expect(jobs.stats().resize).toMatchObject({ active: 2, queued: 3 });
    while (gates.length > 0 || jobs.stats().resize!.active > 0) {
      gates.shift()?.();
      await tick();
    }
    await jobs.flush();
    expect(peak).toBe(2);
    expect(jobs.stats().resize).toMatchObject({ completed: 5, active: 0, queued: 0 });
    await jobs.close();
  });

  it('serves higher-priority types first when the shared concurrency is full', async () => {
    const order: string[] = [];
    let release!: () => void;
    const jobs = jobQueue({
      concurrency: 1,
      types: {
        blocker: { handler: () => new Promise<void>((resolve) => (release = resolve)) },
        report: { priority: 'low', concurrency: 5, handler: (name: string) => void order.push(name) },
        invoice: { priority: 'high', concurrency: 5, handler: (name: string) => void order.push(name) },
      },
    });
    jobs.submit('blocker', null);
    await tick();
    jobs.submit('report', 'report-1');
    jobs.submit('report', 'report-2');
    jobs.submit('invoice', 'invoice-1');
    jobs.submit('report', 'report-3', { priority: 'high' });
    await tick();
    release();
    await jobs.flush();
    expect(order).toEqual(['invoice-1', 'report-3', 'report-1', 'report-2']);
  });

  it('retries with backoff, then dead-letters; redrive runs the job again', async () => {
    const clock = createManualClock();
    let healthy = false;
    const attempts: number[] = [];
    const events: JobEvent['event'][] = [];
    const jobs = jobQueue({
      clock,
      types: {
        email: {
          maxAttempts: 3,
          backoff: constant('1s'),
          handler: (_payload: unknown, { attempt }) => {
            attempts.push(attempt);
            if (!healthy) throw new Error('smtp down');
            return 'sent';
          },
        },
      },
    });
    jobs.onEvent((event) => events.push(event.event));
    const { id, done } = jobs.submit('email', { to: 'a@example.com' }, { idempotencyKey: 'welcome:a' });
    await tick();
    expect(attempts).toEqual([1]);
    await clock.advanceAsync(1_000);
    expect(attempts).toEqual([1, 2]);
    await clock.advanceAsync(1_000);
    await expect(done).rejects.toThrow('smtp down');
    const [letter] = jobs.deadLetters();
    expect(letter).toMatchObject({
      id,
      type: 'email',
      payload: { to: 'a@example.com' },
      attempts: 3,
      idempotencyKey: 'welcome:a',
      deadAt: clock.now(),
    });
    // The deprecated name carries the same value for one minor.
    expect(letter!.failedAt).toBe(letter!.deadAt);
    expect(jobs.stats().email).toMatchObject({ deadLettered: 1, retries: 2 });

    healthy = true;
    expect(jobs.redrive()).toBe(1);
    await jobs.flush();
    expect(jobs.deadLetters()).toEqual([]);
    expect(jobs.stats().email).toMatchObject({ completed: 1 });
    expect(events).toEqual(['submitted', 'retry', 'retry', 'dead-lettered', 'redriven', 'completed']);
    // The key is remembered again after the redriven job completed.
    expect(jobs.submit('email', {}, { idempotencyKey: 'welcome:a' }).duplicate).toBe(true);
  });

  it('still waits for idle through the deprecated onIdle(), as flush() does', async () => {
    let release!: () => void;
    const jobs = jobQueue({ types: { work: { handler: () => new Promise<void>((resolve) => (release = resolve)) } } });
    jobs.submit('work', {});
    let idle = false;
    const waiting = jobs.onIdle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(idle).toBe(true);
    await jobs.close();
  });

  it('drops duplicate submissions by idempotency key while pending and within the TTL', async () => {
    const clock = createManualClock();
    let runs = 0;
    const jobs = jobQueue({ clock, idempotencyTtl: '10m', types: { charge: { handler: () => ++runs } } });
    const first = jobs.submit('charge', { amount: 5 }, { idempotencyKey: 'order-1' });
    const again = jobs.submit('charge', { amount: 5 }, { idempotencyKey: 'order-1' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    await expect(again.done).resolves.toBe(1);
    expect(jobs.submit('charge', {}, { idempotencyKey: 'order-1' }).duplicate).toBe(true);
    await clock.advanceAsync(10 * 60_000);
    const later = jobs.submit('charge', {}, { idempotencyKey: 'order-1' });
    expect(later.duplicate).toBe(false);
    await later.done;
    expect(runs).toBe(2);
    expect(jobs.stats().charge!.duplicates).toBe(2);
  });

  it('validates types, rejects unknown types and work after close, and aborts running jobs on close', async () => {
    expect(() => jobQueue({ types: {} })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/jobQueue.types/) }),
    );
    expect(() => jobQueue({ types: { x: { handler: 'nope' as never } } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/jobQueue.types.x.handler/) }),
    );
    let seen: AbortSignal | undefined;
    const jobs = jobQueue({
      types: {
        slow: {
          handler: (_payload: unknown, { signal }) =>
            new Promise((_, reject) => {
              seen = signal;
              signal.addEventListener('abort', () => reject(signal.reason as Error));
            }),
        },
      },
    });
    expect(() => jobs.submit('nope', {})).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"slow"/) }),
    );
    const { done } = jobs.submit('slow', {});
    await tick();
    await jobs.close();
    expect(seen?.aborted).toBe(true);
    await expect(done).rejects.toSatisfy((error) => TelltaleError.is(error));
    expect(jobs.deadLetters()).toEqual([]);
    expect(() => jobs.submit('slow', {})).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CLOSED', message: expect.stringMatching(/closed/) }),
    );
  });

  it('events carry only their own fields; DeadLetter is the deprecated name of JobDeadLetter', async () => {
    const clock = createManualClock();
    const events: JobEvent[] = [];
    const jobs = jobQueue({
      clock,
      types: {
        email: { maxAttempts: 2, backoff: constant(10), handler: () => Promise.reject(new Error('smtp down')) },
      },
    });
    jobs.onEvent((event) => events.push(event));
    const { id, done } = jobs.submit('email', {});
    done.catch(() => {});
    await tick();
    await clock.advanceAsync(10);
    await jobs.flush();
    expect(events).toEqual([
      { event: 'submitted', id, type: 'email' },
      { event: 'retry', id, type: 'email', attempt: 2 },
      { event: 'dead-lettered', id, type: 'email', error: expect.objectContaining({ message: 'smtp down' }) },
    ]);
    const [first] = events;
    if (first?.event === 'submitted') {
      // @ts-expect-error -- only `retry` carries an attempt
      expect(first.attempt).toBeUndefined();
    }
    const letters: DeadLetter[] = jobs.deadLetters();
    expect(letters.map((letter) => letter.id)).toEqual([id]);
    expectTypeOf<DeadLetter>().toEqualTypeOf<JobDeadLetter>();
    await jobs.close();
  });
});
