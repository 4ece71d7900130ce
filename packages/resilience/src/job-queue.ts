import {
  createEmitter,
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  TelltaleError,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import { exponential, type Backoff } from './backoff.js';
import { bulkhead } from './bulkhead.js';
import { closedError, RESILIENCE_ERROR_CODES } from './errors.js';
import { pipeline, type Pipeline } from './pipeline.js';
import type { Policy, Priority } from './policy.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';

/**
 * What a job handler receives besides the payload.
 *
 * @example
 * ```ts
 * import { jobQueue, type JobContext } from '@telltale/resilience';
 * const handler = (payload: { url: string }, { signal, attempt }: JobContext) => fetch(payload.url, { signal });
 * const jobs = jobQueue({ types: { ping: { handler } } });
 * ```
 */
export interface JobContext {
  /** Job id (stable across retries and redrives). */
  readonly id: string;
  /** Job type. */
  readonly type: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted on timeout or when the queue closes. */
  readonly signal: AbortSignal;
}

/**
 * How one job type runs.
 *
 * @example
 * ```ts
 * import { jobQueue, type JobTypeOptions } from '@telltale/resilience';
 * const resize: JobTypeOptions<{ path: string }> = { handler: (job) => sharp(job.path).resize(200), concurrency: 2 };
 * const jobs = jobQueue({ types: { resize } });
 * ```
 */
export interface JobTypeOptions<P = unknown> {
  /** Does the work. Throw to fail the attempt. */
  handler: (payload: P, context: JobContext) => unknown;
  /** Jobs of this type running at once (default 1). */
  concurrency?: number;
  /** Lane when jobs of several types wait for the shared `concurrency` (default `'medium'`). */
  priority?: Priority;
  /** Attempts before dead-lettering (default 3). */
  maxAttempts?: number;
  /** Wait between attempts (default `exponential({ initial: '1s', max: '5m' })`). */
  backoff?: Backoff;
  /** Which errors to retry (default: all). */
  retryOn?: (error: unknown) => boolean;
  /** Time limit per attempt. */
  timeout?: DurationInput;
}

/**
 * Options for {@link jobQueue}.
 *
 * @example
 * ```ts
 * import { jobQueue, type JobQueueOptions } from '@telltale/resilience';
 * const options: JobQueueOptions = { concurrency: 4, idempotencyTtl: '1d', types: { mail: { handler: sendMail } } };
 * const jobs = jobQueue(options);
 * ```
 */
export interface JobQueueOptions {
  /** Job types by name. */
  types: Record<string, JobTypeOptions<never>>;
  /** Jobs running at once across all types (default: the sum of the types' concurrency). */
  concurrency?: number;
  /** Jobs allowed to wait; beyond it `submit` throws `TELLTALE_BULKHEAD_REJECTED` (default 10,000). */
  maxQueued?: number;
  /** How long an idempotency key of a completed job keeps dropping duplicates (default `'1h'`). */
  idempotencyTtl?: DurationInput;
  /** Dead letters kept; the oldest are dropped beyond it (default 1,000). */
  maxDeadLetters?: number;
  /** Logger (pino-compatible). */
  logger?: Partial<Logger>;
  /** Clock for tests. */
  clock?: Clock;
}

/**
 * Per-submission options.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * jobs.submit('mail', message, { idempotencyKey: `welcome:${userId}`, priority: 'high' });
 * ```
 */
export interface SubmitOptions {
  /** Submissions with a key already pending or completed within `idempotencyTtl` are dropped as duplicates. */
  idempotencyKey?: string;
  /** Overrides the type's priority lane. */
  priority?: Priority;
}

/**
 * What `submit` returns.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * const { id, duplicate, done } = jobs.submit('mail', message, { idempotencyKey: 'm-1' });
 * if (!duplicate) await done;
 * ```
 */
export interface SubmittedJob<R = unknown> {
  /** Job id (the original job's id for a duplicate). */
  id: string;
  /** True when the idempotency key matched an earlier job: nothing new was queued. */
  duplicate: boolean;
  /** Settles with the handler's result, or rejects when the job is dead-lettered. Safe to ignore. */
  done: Promise<R>;
}

/**
 * A job that exhausted its attempts (or failed with an error not to retry).
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * for (const letter of jobs.deadLetters()) logger.error({ job: letter.id, err: letter.error }, 'dead letter');
 * ```
 */
export interface DeadLetter {
  id: string;
  type: string;
  payload: unknown;
  idempotencyKey?: string | undefined;
  /** The last error. */
  error: unknown;
  /** Attempts made (across redrives). */
  attempts: number;
  /** Clock time of the final failure. */
  failedAt: number;
}

/**
 * Events of a {@link JobQueue}.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * jobs.onEvent(({ event, id, type }) => logger.debug({ event, id, type }, 'job'));
 * ```
 */
export interface JobEvent {
  event: 'submitted' | 'duplicate' | 'retry' | 'completed' | 'dead-lettered' | 'redriven';
  id: string;
  type: string;
  attempt?: number;
  error?: unknown;
}

/**
 * Counters per job type.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * const { queued, active, deadLettered } = jobs.stats().mail!;
 * ```
 */
export interface JobTypeStats {
  queued: number;
  active: number;
  completed: number;
  deadLettered: number;
  duplicates: number;
  retries: number;
}

/**
 * A background job runner. See {@link jobQueue}.
 *
 * @deprecated Use `Jobs` from `@telltale/jobs` (see {@link jobQueue}).
 *
 * @example
 * ```ts
 * import { jobQueue, type JobQueue } from '@telltale/resilience';
 * const jobs: JobQueue = jobQueue({ types: { mail: { handler: sendMail } } });
 * process.on('SIGTERM', () => void jobs.close());
 * ```
 */
export interface JobQueue {
  /** Queues a job; throws `TELLTALE_CONFIG` for an unknown type, `TELLTALE_CLOSED` after close. */
  submit<R = unknown>(type: string, payload: unknown, options?: SubmitOptions): SubmittedJob<R>;
  /** Resolves when nothing is queued or running (including retry waits). */
  onIdle(): Promise<void>;
  /** Dead letters, oldest first. */
  deadLetters(): DeadLetter[];
  /** Resubmits dead letters (all, or those with the given ids); returns how many. */
  redrive(ids?: readonly string[]): number;
  /** Counters per type. */
  stats(): Record<string, JobTypeStats>;
  /** Listens to job events. */
  onEvent(listener: (event: JobEvent) => void): Disposable;
  /** Stops accepting jobs, aborts running ones, rejects waiting ones, and resolves when all settled. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface TypeRuntime {
  readonly options: JobTypeOptions<unknown>;
  readonly pipeline: Pipeline;
  readonly stats: JobTypeStats;
}

interface KeyEntry {
  id: string;
  done: Promise<unknown>;
  expiresAt: number;
}

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
 * await jobs.onIdle();
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

  const types = new Map<string, TypeRuntime>();
  let totalConcurrency = 0;
  const prepared = typeEntries.map(([type, raw]) => {
    const typeOptions = check.object(`jobQueue.types.${type}`, raw as JobTypeOptions<unknown>);
    if (typeof typeOptions.handler !== 'function') {
      throw new TelltaleConfigError({
        option: `jobQueue.types.${type}.handler`,
        value: typeOptions.handler,
        expected: 'a function',
      });
    }
    const concurrency = check.positiveInteger(`jobQueue.types.${type}.concurrency`, typeOptions.concurrency, 1);
    check.oneOf(`jobQueue.types.${type}.priority`, typeOptions.priority, ['high', 'medium', 'low'], 'medium');
    totalConcurrency += concurrency;
    return { type, typeOptions, concurrency };
  });
  const shared = bulkhead({
    name: 'jobs',
    concurrency: check.positiveInteger('jobQueue.concurrency', input.concurrency, totalConcurrency),
    queue: maxQueued,
    priority: true,
  });
  for (const { type, typeOptions, concurrency } of prepared) {
    const stats: JobTypeStats = { queued: 0, active: 0, completed: 0, deadLettered: 0, duplicates: 0, retries: 0 };
    const policies: Policy[] = [
      retry({
        name: `${type}-retry`,
        maxAttempts: check.positiveInteger(`jobQueue.types.${type}.maxAttempts`, typeOptions.maxAttempts, 3),
        backoff: typeOptions.backoff ?? exponential({ initial: '1s', max: '5m' }),
        ...(typeOptions.retryOn ? { retryOn: typeOptions.retryOn } : {}),
        respectRetryAfter: true,
        clock,
      }),
      // Per type first, so a saturated type waits in its own queue without holding shared slots.
      bulkhead({ name: type, concurrency, queue: maxQueued }),
      shared,
    ];
    if (typeOptions.timeout !== undefined)
      policies.push(timeout({ duration: typeOptions.timeout, name: `${type}-timeout`, clock }));
    const typePipeline = pipeline(`job:${type}`, ...policies);
    typePipeline.onEvent((event) => {
      if (event.event === 'retry') stats.retries++;
    });
    types.set(type, { options: typeOptions, pipeline: typePipeline, stats });
  }

  const keys = new Map<string, KeyEntry>();
  const dead: DeadLetter[] = [];
  const attemptsById = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();
  let idleWaiters: (() => void)[] = [];
  let sequence = 0;
  let lastSweep = clock.now();
  let closed = false;

  const sweepKeys = (): void => {
    const now = clock.now();
    if (now - lastSweep < Math.min(idempotencyTtl, 60_000)) return;
    lastSweep = now;
    for (const [key, entry] of keys) if (entry.expiresAt <= now) keys.delete(key);
  };

  const settleIdle = (): void => {
    if (pending.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const run = (
    id: string,
    type: string,
    runtime: TypeRuntime,
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
        if (key !== undefined) {
          const entry = keys.get(key);
          if (entry?.id === id) entry.expiresAt = clock.now() + idempotencyTtl;
        }
        events.emit({ event: 'completed', id, type });
        return result;
      },
      (error: unknown) => {
        if (!started) stats.queued--;
        const key = submitOptions.idempotencyKey;
        if (key !== undefined && keys.get(key)?.id === id) keys.delete(key);
        if (!TelltaleError.is(error, RESILIENCE_ERROR_CODES.aborted) || !closed) {
          stats.deadLettered++;
          dead.push({
            id,
            type,
            payload,
            idempotencyKey: key,
            error,
            attempts: attemptsById.get(id) ?? 0,
            failedAt: clock.now(),
          });
          if (dead.length > maxDeadLetters) dead.shift();
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
        sweepKeys();
        const existing = keys.get(key);
        if (existing && existing.expiresAt > clock.now()) {
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
      if (key !== undefined) keys.set(key, { id, done, expiresAt: Infinity });
      events.emit({ event: 'submitted', id, type });
      return { id, duplicate: false, done: done as Promise<R> };
    },
    onIdle() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    deadLetters: () => dead.map((letter) => ({ ...letter })),
    redrive(ids) {
      if (closed) throw closedError('Job queue');
      const wanted = ids ? new Set(ids) : undefined;
      let count = 0;
      for (let index = 0; index < dead.length;) {
        const letter = dead[index]!;
        const runtime = types.get(letter.type);
        if ((wanted && !wanted.has(letter.id)) || !runtime) {
          index++;
          continue;
        }
        dead.splice(index, 1);
        attemptsById.set(letter.id, letter.attempts);
        const done = run(letter.id, letter.type, runtime, letter.payload, { idempotencyKey: letter.idempotencyKey });
        if (letter.idempotencyKey !== undefined)
          keys.set(letter.idempotencyKey, { id: letter.id, done, expiresAt: Infinity });
        events.emit({ event: 'redriven', id: letter.id, type: letter.type });
        count++;
      }
      return count;
    },
    stats: () => Object.fromEntries([...types].map(([type, runtime]) => [type, { ...runtime.stats }])),
    onEvent: (listener) => events.on(listener),
    async close() {
      if (closed) return queue.onIdle();
      closed = true;
      closing.abort(closedError('Job queue'));
      await queue.onIdle();
    },
    [Symbol.asyncDispose]: () => queue.close(),
  };
  return queue;
}
