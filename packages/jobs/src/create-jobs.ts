import { createHash, randomUUID } from 'node:crypto';
import {
  abortError,
  createEmitter,
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Disposable,
} from '@telltale/core';
import type { BackendHost, JobsBackend } from './backend.js';
import { startDeadLetterSchedule } from './dead-letter-schedule.js';
import { cancelledError, closedError, deadLetteredError } from './errors.js';
import { jobsHealthCheck } from './health.js';
import { memoryBackend } from './memory/memory-backend.js';
import { resolveTypes } from './resolve-types.js';
import { runAttempt } from './run-attempt.js';
import { createTelemetry, type AttemptOutcomeName } from './telemetry.js';
import type {
  JobCounts,
  JobEvent,
  JobInfo,
  JobsHealthOptions,
  JobsHealthResult,
  JobsOptions,
  RedriveFilter,
  SubmitOptions,
  SubmittedJob,
} from './types.js';

/**
 * A job runner. See {@link createJobs}.
 *
 * @example
 * ```ts
 * import { createJobs, type Jobs } from '@telltale/jobs';
 * const jobs: Jobs = createJobs({ types: { mail: { handler: sendMail } } });
 * process.on('SIGTERM', () => void jobs.close());
 * ```
 */
export interface Jobs {
  /** Queues a job. Throws `TELLTALE_CONFIG` for an unknown type, `TELLTALE_JOBS_QUEUE_FULL` beyond `maxQueued`, `TELLTALE_CLOSED` after close. */
  submit<R = unknown>(type: string, payload: unknown, options?: SubmitOptions): Promise<SubmittedJob<R>>;
  /** The job's status, or `undefined` when unknown (never submitted, removed, or expired after `keepCompleted`). */
  get(id: string): Promise<JobInfo | undefined>;
  /** Removes a waiting or delayed job, or aborts a running one's signal (it ends `cancelled`). True unless the job was unknown or finished. */
  cancel(id: string): Promise<boolean>;
  /** Listens to status changes (with a shared backend: of every process's jobs). */
  onEvent(listener: (event: JobEvent) => void): Disposable;
  /** Jobs per type and status. */
  stats(): Promise<Record<string, JobCounts>>;
  /** Dead letters, oldest first. */
  deadLetters(filter?: { type?: string; limit?: number }): Promise<JobInfo[]>;
  /** Moves dead letters back to the queue (all, or those matching); returns how many moved. */
  redrive(filter?: RedriveFilter): Promise<number>;
  /** A check for `@telltale/health`: stuck active jobs, failure ratio, backlog. */
  healthCheck(
    options?: JobsHealthOptions,
  ): (() => Promise<JobsHealthResult>) & { measurement: string; componentType: string };
  /** Stops taking jobs and stops the workers (see the backend for running jobs); pending `done` promises reject with `TELLTALE_CLOSED`. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Waiter {
  promise: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  type: string;
}

const ignore = (): void => {};

/** `<type>.k-<hash>`: the same key always names the same job of a type (BullMQ's jobId dedup). */
function jobId(type: string, key: string | undefined): string {
  if (key === undefined) return `${type}.${randomUUID()}`;
  return `${type}.k-${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

/**
 * Creates a job runner: typed job types with per-type (and, on a shared
 * backend, global) concurrency, priorities, retries with backoff, an
 * optional breaker per type, per-attempt timeouts, idempotency keys,
 * per-job status, progress and cancellation, dead letters with scheduled
 * redrive, telemetry and a health check. Jobs live in memory unless
 * `backend` says otherwise (`bullmqBackend()` from `@telltale/jobs/bullmq`).
 *
 * @example
 * ```ts
 * import { createJobs } from '@telltale/jobs';
 * const jobs = createJobs({
 *   types: {
 *     transcribe: {
 *       concurrency: 3,
 *       handler: async (payload: { path: string }, { signal, progress }) => {
 *         progress({ percent: 10 });
 *         return await stt.transcribe({ path: payload.path }, { signal });
 *       },
 *     },
 *   },
 *   deadLetter: { redriveEvery: '1h', maxRedrives: 5, dropAfter: '30d' },
 * });
 * const { id, done } = await jobs.submit('transcribe', { path: '/tmp/call.wav' }, { priority: 'high' });
 * jobs.onEvent((event) => event.id === id && console.log(event.type));
 * console.log(await done);
 * ```
 */
export function createJobs(options: JobsOptions): Jobs {
  const input = check.object('createJobs', options);
  const clock = input.clock ?? systemClock;
  const logger = resolveLogger(input.logger);
  const types = resolveTypes(input.types, { clock, logger, meterProvider: input.meterProvider });
  const backend: JobsBackend = input.backend ?? memoryBackend();
  if (typeof backend !== 'object' || typeof (backend as Partial<JobsBackend>).add !== 'function') {
    throw new TelltaleConfigError({ option: 'createJobs.backend', value: backend, expected: 'a JobsBackend' });
  }
  const keepCompleted = check.duration('createJobs.keepCompleted', input.keepCompleted, '1h');
  const events = createEmitter<JobEvent>((error) => logger.error({ err: error }, 'jobs onEvent listener threw'));
  const telemetry = createTelemetry(input.meterProvider, async () => (await ready, backend.counts()));
  const waiters = new Map<string, Waiter>();
  let closed = false;

  const waiterFor = (id: string, type: string): Waiter => {
    let waiter = waiters.get(id);
    if (waiter) return waiter;
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
    // Marked handled: nobody has to observe `done`; awaiting it still rejects.
    promise.catch(ignore);
    waiter = { promise, resolve, reject, type };
    waiters.set(id, waiter);
    return waiter;
  };

  const outcomeName = (action: string): AttemptOutcomeName =>
    action === 'retry'
      ? 'retried'
      : action === 'dead'
        ? 'dead_lettered'
        : action === 'cancelled'
          ? 'cancelled'
          : 'postponed';

  const host: BackendHost = {
    types,
    clock,
    logger,
    keepCompleted,
    async run(attempt) {
      const type = types.get(attempt.type)!;
      if (attempt.waited !== undefined) telemetry.waited(attempt.type, Math.max(0, attempt.waited) / 1000);
      const started = performance.now();
      const outcome = await runAttempt(type, attempt);
      const seconds = (performance.now() - started) / 1000;
      telemetry.attempt(attempt.type, outcome.ok ? 'completed' : outcomeName(outcome.decision.action), seconds);
      if (!outcome.ok && outcome.decision.action === 'dead') {
        logger.warn({ job: attempt.id, type: attempt.type, err: outcome.decision.error }, 'job dead-lettered');
      }
      return outcome;
    },
    emit(event) {
      if (event.type === 'job-redriven') telemetry.redriven(event.jobType, 1);
      if (events.size > 0) events.emit(event);
    },
    settle(id, outcome) {
      const waiter = waiters.get(id);
      if (!waiter) return;
      waiters.delete(id);
      if (outcome.ok) waiter.resolve(outcome.value);
      else if (outcome.status === 'cancelled') waiter.reject(cancelledError(id, waiter.type));
      else waiter.reject(deadLetteredError(id, waiter.type, outcome.error));
    },
  };
  const ready = backend.start(host);
  ready.catch((error: unknown) => logger.error({ err: error, backend: backend.kind }, 'jobs backend failed to start'));

  /** A duplicate whose job already finished: settle its `done` from the stored record. */
  const settleFinished = (info: JobInfo): void => {
    if (info.status === 'completed') host.settle(info.id, { ok: true, value: info.result });
    else if (info.status === 'dead' || info.status === 'cancelled') {
      host.settle(info.id, {
        ok: false,
        status: info.status,
        error: info.error ?? { name: 'Error', message: 'failed' },
      });
    }
  };

  const jobs: Jobs = {
    async submit<R>(type: string, payload: unknown, submitOptions: SubmitOptions = {}): Promise<SubmittedJob<R>> {
      if (closed) throw closedError();
      const runtime = types.get(type);
      if (!runtime) {
        throw new TelltaleConfigError({
          option: 'type',
          value: type,
          expected: `one of ${[...types.keys()].map((name) => `"${name}"`).join(', ')}`,
        });
      }
      const submitInput = check.object('submit.options', submitOptions);
      const priority = check.oneOf(
        'submit.priority',
        submitInput.priority,
        ['high', 'medium', 'low'],
        runtime.priority,
      );
      const delay = check.duration('submit.delay', submitInput.delay, 0);
      const key =
        submitInput.idempotencyKey === undefined
          ? undefined
          : check.nonEmptyString('submit.idempotencyKey', submitInput.idempotencyKey);
      const signal = submitInput.signal;
      if (signal?.aborted) throw abortError(signal);
      await ready;
      const id = jobId(type, key);
      const waiter = waiterFor(id, type);
      let added: { id: string; duplicate: boolean };
      try {
        added = await backend.add({ id, type, payload, priority, delay, idempotencyKey: key, createdAt: clock.now() });
      } catch (error) {
        waiters.delete(id);
        throw error;
      }
      if (added.duplicate) {
        const existing = await backend.get(added.id);
        if (existing) settleFinished(existing);
      }
      if (signal && !added.duplicate) {
        const onAbort = (): void => void jobs.cancel(added.id).catch(ignore);
        signal.addEventListener('abort', onAbort, { once: true });
        void waiter.promise.then(ignore, ignore).finally(() => signal.removeEventListener('abort', onAbort));
      }
      return { id: added.id, duplicate: added.duplicate, done: waiter.promise as Promise<R> };
    },
    get: async (id) => (await ready, backend.get(id)),
    async cancel(id) {
      await ready;
      const result = await backend.cancel(id);
      return result === 'removed' || result === 'signalled';
    },
    onEvent: (listener) => events.on(listener),
    stats: async () => (await ready, backend.counts()),
    deadLetters: async (filter = {}) => (await ready, backend.list('dead', filter)),
    async redrive(filter: RedriveFilter = {}) {
      if (closed) throw closedError();
      if (filter.type !== undefined && !types.has(filter.type)) {
        throw new TelltaleConfigError({
          option: 'redrive.type',
          value: filter.type,
          expected: 'a configured job type',
        });
      }
      await ready;
      const wanted = filter.ids ? new Set(filter.ids) : undefined;
      const letters = await backend.list('dead', { type: filter.type });
      const ids = letters.filter((letter) => !wanted || wanted.has(letter.id)).map((letter) => letter.id);
      return ids.length === 0 ? 0 : (await backend.redrive(ids)).length;
    },
    healthCheck: (healthOptions) => jobsHealthCheck(backend, clock, healthOptions),
    async close() {
      if (closed) return;
      closed = true;
      schedule.stop();
      await ready.catch(ignore);
      await backend.close();
      telemetry.close();
      for (const [id, waiter] of waiters) {
        waiters.delete(id);
        waiter.reject(closedError());
      }
    },
    [Symbol.asyncDispose]: () => jobs.close(),
  };
  const schedule = startDeadLetterSchedule(input.deadLetter, {
    clock,
    logger,
    backend,
    isClosed: () => closed,
  });
  return jobs;
}
