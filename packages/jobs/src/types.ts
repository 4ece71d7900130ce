import type { Clock, DurationInput, Logger, MeterProviderLike } from '@telltale/core';
import type { Backoff, CircuitBreakerOptions, Priority } from '@telltale/resilience';
import type { JobsBackend } from './backend.js';

/**
 * Where a job is in its life. `failed` means an attempt failed and a retry is
 * scheduled; `dead` means it exhausted its attempts (a dead letter).
 *
 * @example
 * ```ts
 * import type { JobStatus } from '@telltale/jobs';
 * const finished = (status: JobStatus) => ['completed', 'dead', 'cancelled'].includes(status);
 * ```
 */
export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'dead' | 'cancelled';

/**
 * An error as stored with a job: plain data, so it survives Redis.
 *
 * @example
 * ```ts
 * import type { JobError } from '@telltale/jobs';
 * const describe = (error: JobError) => `${error.code ?? error.name}: ${error.message}`;
 * ```
 */
export interface JobError {
  name: string;
  message: string;
  /** The `TelltaleError` code, when the error had one. */
  code?: string | undefined;
}

/**
 * A job's status, as `get(id)` and `deadLetters()` return it.
 *
 * @example
 * ```ts
 * import { createJobs } from '@telltale/jobs';
 * const jobs = createJobs({ types: { mail: { handler: sendMail } } });
 * const job = await jobs.get(id);
 * if (job?.status === 'active') console.log(`${job.type} ${job.id}: ${JSON.stringify(job.progress)}`);
 * ```
 */
export interface JobInfo {
  id: string;
  type: string;
  status: JobStatus;
  payload: unknown;
  priority: Priority;
  /** Attempts started so far (across redrives). */
  attempts: number;
  /** Times the job was redriven from the dead letters. */
  redrives: number;
  /** The last value passed to `progress()` (`undefined` before). */
  progress: unknown;
  idempotencyKey?: string | undefined;
  /** Clock times (ms since epoch). */
  createdAt: number;
  /** When a delayed job (or a retry) becomes due. */
  runAt?: number | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  /** The last error, once an attempt failed. */
  error?: JobError | undefined;
  /** The handler's result, once completed. */
  result?: unknown;
}

/**
 * What a handler receives besides the payload.
 *
 * @example
 * ```ts
 * import type { JobContext } from '@telltale/jobs';
 * const transcribe = async (payload: { path: string }, { signal, progress }: JobContext) => {
 *   progress({ percent: 0 });
 *   return await provider.transcribe({ path: payload.path }, { signal });
 * };
 * ```
 */
export interface JobContext {
  /** Job id (stable across retries and redrives). */
  readonly id: string;
  readonly type: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted on `cancel(id)`, on the type's `timeout`, and when the runner closes. */
  readonly signal: AbortSignal;
  /** Reports progress (any JSON value); visible through `get(id)` and `job-progressed` events. */
  progress(value: unknown): void;
}

/**
 * A job handler: throw (or reject) to fail the attempt.
 *
 * @example
 * ```ts
 * import type { JobHandler } from '@telltale/jobs';
 * const resize: JobHandler<{ path: string }, string> = async ({ path }, { signal }) => makeThumbnail(path, { signal });
 * ```
 */
export type JobHandler<P = never, R = unknown> = (payload: P, context: JobContext) => R | PromiseLike<R>;

/**
 * How one job type runs.
 *
 * @example
 * ```ts
 * import { exponential } from '@telltale/resilience';
 * import type { JobTypeOptions } from '@telltale/jobs';
 * const transcribe: JobTypeOptions<{ path: string }> = {
 *   handler: (payload, { signal }) => provider.transcribe({ path: payload.path }, { signal }),
 *   concurrency: 3,
 *   globalConcurrency: 10,
 *   maxAttempts: 5,
 *   backoff: exponential({ initial: '1s', max: '1m' }),
 *   timeout: '10m',
 *   breaker: { minimumThroughput: 5, failureRatio: 1, halfOpenAfter: '60s' },
 * };
 * ```
 */
export interface JobTypeOptions<P = never> {
  handler: JobHandler<P>;
  /** Jobs of this type running at once in this process (default 1). */
  concurrency?: number;
  /** Jobs of this type running at once across every process sharing the backend (default: no shared limit; the memory backend uses `concurrency`). */
  globalConcurrency?: number;
  /** Default priority of this type's jobs (default `'medium'`). */
  priority?: Priority;
  /** Attempts before the job is dead-lettered (default 3). */
  maxAttempts?: number;
  /** Wait between attempts (default `exponential({ initial: '1s', max: '5m' })`). */
  backoff?: Backoff;
  /** Which errors to retry (default: all but cancellation). */
  retryOn?: (error: unknown) => boolean;
  /** Time limit per attempt: the handler's signal aborts and the attempt fails with `TELLTALE_TIMEOUT`. */
  timeout?: DurationInput;
  /** A circuit breaker per type (options of `circuitBreaker`), or `false` (the default) for none. While open, due jobs wait instead of burning attempts. */
  breaker?: CircuitBreakerOptions | false;
  /** Jobs of this type allowed to wait (waiting + delayed); beyond it `submit` throws `TELLTALE_JOBS_QUEUE_FULL` (default 10,000). */
  maxQueued?: number;
}

/**
 * Scheduled dead-letter handling.
 *
 * @example
 * ```ts
 * import { createJobs, type DeadLetterOptions } from '@telltale/jobs';
 * const deadLetter: DeadLetterOptions = { redriveEvery: '1h', maxRedrives: 5, dropAfter: '30d' };
 * const jobs = createJobs({ types, deadLetter });
 * ```
 */
export interface DeadLetterOptions {
  /** Redrive every dead letter with fewer than `maxRedrives` redrives this often (default: never). */
  redriveEvery?: DurationInput;
  /** Redrives per job before it stays dead (default 5). */
  maxRedrives?: number;
  /** Remove dead letters that failed longer ago than this (default: keep). */
  dropAfter?: DurationInput;
}

/**
 * Options for {@link createJobs}.
 *
 * @example
 * ```ts
 * import { createJobs, memoryBackend, type JobsOptions } from '@telltale/jobs';
 * const options: JobsOptions = { types: { mail: { handler: sendMail } }, backend: memoryBackend(), logger };
 * const jobs = createJobs(options);
 * ```
 */
export interface JobsOptions {
  /** Job types by name (letters, digits, `_` and `-`). */
  types: Record<string, JobTypeOptions<never>>;
  /** Where jobs live (default `memoryBackend()`). */
  backend?: JobsBackend;
  /** How long a completed job (and its idempotency key) is kept (default `'1h'`). */
  keepCompleted?: DurationInput;
  deadLetter?: DeadLetterOptions;
  /**
   * Meter provider for the runner's instruments and its types' breakers (default: the global one),
   * or `false` to disable telemetry: nothing is recorded, no instrument or gauge callback is
   * registered, and each type's breaker gets `false` too.
   */
  meterProvider?: MeterProviderLike | false;
  logger?: Partial<Logger>;
  clock?: Clock;
}

/**
 * Per-submission options.
 *
 * @example
 * ```ts
 * await jobs.submit('mail', message, { idempotencyKey: `welcome:${userId}`, priority: 'high', delay: '5m' });
 * ```
 */
export interface SubmitOptions {
  /** Overrides the type's priority. */
  priority?: Priority;
  /** A second submission with the same key (per type) returns the first job (`duplicate: true`) while that job is kept. */
  idempotencyKey?: string;
  /** Runs the job no earlier than this from now. */
  delay?: DurationInput;
  /** Aborts the submission; once queued, aborting it cancels the job. */
  signal?: AbortSignal;
}

/**
 * What `submit` resolves to.
 *
 * @example
 * ```ts
 * const { id, duplicate, done } = await jobs.submit('mail', message, { idempotencyKey: 'm-1' });
 * if (!duplicate) console.log(await done);
 * ```
 */
export interface SubmittedJob<R = unknown> {
  /** The job id (the existing job's for a duplicate). */
  id: string;
  /** True when the idempotency key was taken: nothing new was queued. */
  duplicate: boolean;
  /** The handler's result; rejects with `TELLTALE_JOBS_DEAD_LETTERED` or `TELLTALE_JOBS_CANCELLED`. Safe to ignore. */
  done: Promise<R>;
}

/**
 * Status changes, as a discriminated union on `type` (see the README for when each fires).
 *
 * @example
 * ```ts
 * jobs.onEvent((event) => {
 *   if (event.type === 'job-progressed') live.publish(`jobs/${event.id}`, event.progress);
 * });
 * ```
 */
export type JobEvent =
  | { type: 'job-queued'; id: string; jobType: string; status: 'waiting' | 'delayed' }
  | { type: 'job-started'; id: string; jobType: string; attempt: number }
  | { type: 'job-progressed'; id: string; jobType: string; progress: unknown }
  | { type: 'job-completed'; id: string; jobType: string }
  | { type: 'job-failed'; id: string; jobType: string; attempt: number; error: JobError }
  | { type: 'job-retried'; id: string; jobType: string; attempt: number; runAt: number }
  | { type: 'job-dead-lettered'; id: string; jobType: string; attempts: number; error: JobError }
  | { type: 'job-cancelled'; id: string; jobType: string }
  | { type: 'job-redriven'; id: string; jobType: string; redrives: number };

/**
 * Jobs per status for one type.
 *
 * @example
 * ```ts
 * const { waiting, active, dead } = (await jobs.stats()).transcribe!;
 * ```
 */
export type JobCounts = Record<JobStatus, number>;

/**
 * Which dead letters to redrive.
 *
 * @example
 * ```ts
 * await jobs.redrive({ type: 'mail' });
 * await jobs.redrive({ ids: ['mail.k-abc'] });
 * ```
 */
export interface RedriveFilter {
  type?: string;
  ids?: readonly string[];
}

export type { JobsHealthOptions, JobsHealthResult } from './health-types.js';
