import type { Clock, Disposable, DurationInput, Logger } from '@telltale/core';
import type { Backoff } from '../backoff.js';
import type { Priority } from '../policy.js';

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
 *
 * Named `JobDeadLetter` so it is not confused with `@telltale/notify`'s `DeadLetter` (a
 * dead-lettered delivery, another shape).
 */
export interface JobDeadLetter {
  id: string;
  type: string;
  payload: unknown;
  idempotencyKey?: string | undefined;
  /** The last error. */
  error: unknown;
  /** Attempts made (across redrives). */
  attempts: number;
  /** Clock time it was dead-lettered (the final failure); the name notify's dead letters use. */
  deadAt: number;
  /** @deprecated Renamed `deadAt` (the same value); removed in the next minor. */
  failedAt: number;
}

/**
 * The deprecated `jobQueue`'s dead letter, under its former name.
 *
 * @deprecated Renamed {@link JobDeadLetter} (`@telltale/notify` exports another `DeadLetter`);
 * removed in the next minor, with `jobQueue`.
 *
 * @example
 * ```ts
 * import type { JobDeadLetter } from '@telltale/resilience';
 * const letters: JobDeadLetter[] = jobs.deadLetters(); // was DeadLetter[]
 * ```
 */
export type DeadLetter = JobDeadLetter;

/**
 * Events of a {@link JobQueue}: a union discriminated on `event` (its `type`
 * field already holds the job type in this deprecated API; `@telltale/jobs`'
 * `JobEvent` is discriminated on `type` with `jobType`). `attempt` is only on
 * `retry`, `error` only on `dead-lettered`.
 *
 * @example
 * ```ts
 * import { jobQueue } from '@telltale/resilience';
 * const jobs = jobQueue({ types: { mail: { handler: sendMail } } });
 * jobs.onEvent((e) => e.event === 'dead-lettered' && logger.error({ id: e.id, type: e.type, err: e.error }, 'job'));
 * ```
 */
export type JobEvent =
  | { event: 'submitted' | 'duplicate' | 'completed' | 'redriven'; id: string; type: string }
  | { event: 'retry'; id: string; type: string; attempt: number }
  | { event: 'dead-lettered'; id: string; type: string; error: unknown };

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
  /** Resolves when nothing is queued or running (including retry waits); the name notify's `flush()` uses. */
  flush(): Promise<void>;
  /** @deprecated Renamed `flush()` (`on…` names are for listeners); removed in the next minor. */
  onIdle(): Promise<void>;
  /** Dead letters, oldest first. */
  deadLetters(): JobDeadLetter[];
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
