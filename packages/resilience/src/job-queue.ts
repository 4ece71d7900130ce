import {
  createEmitter,
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  TelltaleError,
} from '@telltale/core';
import { closedError, RESILIENCE_ERROR_CODES } from './errors.js';
import { DeadLetterList } from './job-queue/dead-letters.js';
import { IdempotencyKeys } from './job-queue/idempotency.js';
import { jobTypeRuntimes, type JobTypeRuntime } from './job-queue/job-types.js';
import type { JobEvent, JobQueue, JobQueueOptions, SubmitOptions, SubmittedJob } from './job-queue/types.js';

export type {
  DeadLetter,
  JobDeadLetter,
  JobContext,
  JobEvent,
  JobQueue,
  JobQueueOptions,
  JobTypeOptions,
  JobTypeStats,
  SubmitOptions,
  SubmittedJob,
} from './job-queue/types.js';

const ignore = (): void => {};

/**
 * An in-process job runner built from the resilience policies: per-type
 * concurrency (a bulkhead per type) under a shared priority bulkhead,
 * retries with backoff, per-attempt timeouts, a dead-letter list with
 * `redrive()`, and idempotency keys that drop duplicate submissions. No
 * server, no persistence: jobs live in memory.
 *
 * @deprecated Moved to `@telltale/jobs` (`createJobs`), which adds per-job
 * status, progress, cancellation, scheduled redrive, telemetry and a BullMQ
 * backend. `jobQueue` stays here for one minor version and is then removed.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({
 *   types: {
 *     thumbnail: { handler: (image: { path: string }) => makeThumbnail(image.path), concurrency: 4, priority: 'low' },
 *     invoice: { handler: (order: { id: string }) => sendInvoice(order.id), maxAttempts: 5, priority: 'high' },
 *   },
 * });
 * jobs.submit('invoice', { id: 'o-42' }, { idempotencyKey: 'invoice:o-42' });
 * await jobs.flush();
 * console.log(jobs.deadLetters());
 * ```
 */
export function jobQueue(options: JobQueueOptions): JobQueue {
  const input = check.object('jobQueue', options);
  const typeEntries = Object.entries(check.object('jobQueue.types', input.types));
  if (typeEntries.length === 0) {
    throw new TelltaleConfigError({ option: 'jobQueue.types', value: input.types, expected: 'at least one job type' });
  }
  const clock = input.clock ?? systemClock;
  const logger = resolveLogger(input.logger);
  const maxQueued = check.positiveInteger('jobQueue.maxQueued', input.maxQueued, 10_000);
  const idempotencyTtl = check.duration('jobQueue.idempotencyTtl', input.idempotencyTtl, '1h');
  const maxDeadLetters = check.positiveInteger('jobQueue.maxDeadLetters', input.maxDeadLetters, 1_000);
  const events = createEmitter<JobEvent>((error) => logger.error({ err: error }, 'job queue listener threw'));
  const closing = new AbortController();

  const types = jobTypeRuntimes(typeEntries, input.concurrency, maxQueued, clock);

  const keys = new IdempotencyKeys(clock, idempotencyTtl);
  const dead = new DeadLetterList(maxDeadLetters);
  const attemptsById = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();
  let idleWaiters: (() => void)[] = [];
  let sequence = 0;
  let closed = false;

  const settleIdle = (): void => {
    if (pending.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const run = (
    id: string,
    type: string,
    runtime: JobTypeRuntime,
    payload: unknown,
    submitOptions: SubmitOptions,
  ): Promise<unknown> => {
    const { stats } = runtime;
    stats.queued++;
    const priority = submitOptions.priority ?? runtime.options.priority ?? 'medium';
    let started = false;
    const job = runtime.pipeline.execute(
      ({ signal, attempt }) => {
        if (!started) {
          started = true;
          stats.queued--;
        }
        if (attempt > 1) events.emit({ event: 'retry', id, type, attempt });
        stats.active++;
        attemptsById.set(id, (attemptsById.get(id) ?? 0) + 1);
        const release = (): void => {
          stats.active--;
        };
        try {
          const result = Promise.resolve(runtime.options.handler(payload, { id, type, attempt, signal }));
          result.then(release, release);
          return result;
        } catch (error) {
          release();
          throw error;
        }
      },
      { signal: closing.signal, priority },
    );
    const tracked = job.then(
      (result) => {
        stats.completed++;
        attemptsById.delete(id);
        const key = submitOptions.idempotencyKey;
        if (key !== undefined) keys.completed(key, id);
        events.emit({ event: 'completed', id, type });
        return result;
      },
      (error: unknown) => {
        if (!started) stats.queued--;
        const key = submitOptions.idempotencyKey;
        if (key !== undefined) keys.release(key, id);
        if (!TelltaleError.is(error, RESILIENCE_ERROR_CODES.aborted) || !closed) {
          stats.deadLettered++;
          const deadAt = clock.now();
          dead.add({
            id,
            type,
            payload,
            idempotencyKey: key,
            error,
            attempts: attemptsById.get(id) ?? 0,
            deadAt,
            failedAt: deadAt,
          });
          logger.warn({ job: id, type, err: error }, 'job dead-lettered');
          events.emit({ event: 'dead-lettered', id, type, error });
        }
        attemptsById.delete(id);
        throw error;
      },
    );
    const settled = tracked.then(ignore, ignore);
    pending.add(settled);
    void settled.then(() => {
      pending.delete(settled);
      settleIdle();
    });
    tracked.catch(ignore);
    return tracked;
  };

  const queue: JobQueue = {
    submit<R = unknown>(type: string, payload: unknown, submitOptions: SubmitOptions = {}): SubmittedJob<R> {
      if (closed) throw closedError('Job queue');
      const runtime = types.get(type);
      if (!runtime) {
        throw new TelltaleConfigError({
          option: 'type',
          value: type,
          expected: `one of ${[...types.keys()].map((name) => `"${name}"`).join(', ')}`,
        });
      }
      const key = submitOptions.idempotencyKey;
      if (key !== undefined) {
        const existing = keys.find(key);
        if (existing) {
          runtime.stats.duplicates++;
          events.emit({ event: 'duplicate', id: existing.id, type });
          return { id: existing.id, duplicate: true, done: existing.done as Promise<R> };
        }
      }
      let queuedNow = 0;
      for (const runtimeOfType of types.values()) queuedNow += runtimeOfType.stats.queued;
      if (queuedNow >= maxQueued) {
        throw new TelltaleError(RESILIENCE_ERROR_CODES.bulkheadRejected, `Job queue is full (${maxQueued} waiting)`, {
          details: { bulkhead: 'jobs', reason: 'queue-full' },
        });
      }
      const id = `${type}-${(++sequence).toString(36)}-${clock.now().toString(36)}`;
      const done = run(id, type, runtime, payload, submitOptions);
      if (key !== undefined) keys.hold(key, id, done);
      events.emit({ event: 'submitted', id, type });
      return { id, duplicate: false, done: done as Promise<R> };
    },
    flush() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    onIdle: () => queue.flush(),
    deadLetters: () => dead.list(),
    redrive(ids) {
      if (closed) throw closedError('Job queue');
      const wanted = ids ? new Set(ids) : undefined;
      let count = 0;
      for (const letter of dead.take(
        (candidate) => (!wanted || wanted.has(candidate.id)) && types.has(candidate.type),
      )) {
        const runtime = types.get(letter.type)!;
        attemptsById.set(letter.id, letter.attempts);
        const done = run(letter.id, letter.type, runtime, letter.payload, { idempotencyKey: letter.idempotencyKey });
        if (letter.idempotencyKey !== undefined) keys.hold(letter.idempotencyKey, letter.id, done);
        events.emit({ event: 'redriven', id: letter.id, type: letter.type });
        count++;
      }
      return count;
    },
    stats: () => Object.fromEntries([...types].map(([type, runtime]) => [type, { ...runtime.stats }])),
    onEvent: (listener) => events.on(listener),
    async close() {
      if (closed) return queue.flush();
      closed = true;
      closing.abort(closedError('Job queue'));
      await queue.flush();
    },
    [Symbol.asyncDispose]: () => queue.close(),
  };
  return queue;
}
