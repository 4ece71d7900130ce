import type { Clock, Logger } from '@telltale/core';
import type { Priority } from '@telltale/resilience';
import type { JobCounts, JobError, JobEvent, JobInfo, JobStatus } from './types.js';

/**
 * A job type as the runner resolved it, for backends.
 *
 * @example
 * ```ts
 * import type { BackendType } from '@telltale/jobs';
 * const slots = (type: BackendType) => type.globalConcurrency ?? type.concurrency;
 * ```
 */
export interface BackendType {
  readonly name: string;
  readonly concurrency: number;
  readonly globalConcurrency: number | undefined;
  readonly priority: Priority;
  readonly maxAttempts: number;
  readonly maxQueued: number;
  /** Milliseconds before retry number `retry` (1 = the first retry). */
  backoff(retry: number): number;
}

/**
 * A job to add (built by the runner: id, priority and due time resolved).
 *
 * @example
 * ```ts
 * import type { NewJob } from '@telltale/jobs';
 * const job: NewJob = { id: 'mail.k-abc', type: 'mail', payload: {}, priority: 'high', delay: 0, createdAt: Date.now() };
 * ```
 */
export interface NewJob {
  id: string;
  type: string;
  payload: unknown;
  priority: Priority;
  /** Milliseconds from `createdAt` before the job is due. */
  delay: number;
  idempotencyKey?: string | undefined;
  createdAt: number;
}

/**
 * What the runner decides after an attempt threw: retry after `delay`, or
 * finish as `dead` or `cancelled`. Backends apply it; they never decide.
 *
 * @example
 * ```ts
 * import type { FailureDecision } from '@telltale/jobs';
 * const retrying = (decision: FailureDecision) => decision.action === 'retry';
 * ```
 */
export type FailureDecision =
  | { action: 'retry'; delay: number; error: JobError }
  | { action: 'dead'; error: JobError }
  | { action: 'cancelled'; error: JobError }
  /** The type's breaker is open: put the job back, due after `delay`, without counting the attempt. */
  | { action: 'postpone'; delay: number };

/**
 * One attempt, as a backend hands it to the runner.
 *
 * @example
 * ```ts
 * import type { Attempt } from '@telltale/jobs';
 * const describe = (attempt: Attempt) => `${attempt.type} ${attempt.id} try ${attempt.attempt}`;
 * ```
 */
export interface Attempt {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
  /** 1 for the first attempt (counting across redrives). */
  readonly attempt: number;
  /** Aborted when the job is cancelled or the backend stops. */
  readonly signal: AbortSignal;
  /** Milliseconds the job waited from due to start, on its first attempt (for `telltale.jobs.wait.duration`). */
  readonly waited?: number | undefined;
  /** Stores the job's progress (the backend makes it visible to `get` and events). */
  progress(value: unknown): void;
}

/** How an attempt ended: the result, or the runner's decision about the failure. */
export type AttemptOutcome = { ok: true; value: unknown } | { ok: false; decision: FailureDecision };

/**
 * What the runner gives a backend at `start`.
 *
 * @example
 * ```ts
 * import type { BackendHost } from '@telltale/jobs';
 * const typeNames = (host: BackendHost) => [...host.types.keys()];
 * ```
 */
export interface BackendHost {
  readonly types: ReadonlyMap<string, BackendType>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long completed and cancelled jobs (and their idempotency keys) are kept, in milliseconds. */
  readonly keepCompleted: number;
  /** Runs one attempt (handler, breaker, timeout, telemetry); never rejects. */
  run(attempt: Attempt): Promise<AttemptOutcome>;
  /** Reports a status change (backends shared by processes report every process's jobs). */
  emit(event: JobEvent): void;
  /** Settles a job's `done` promise. */
  settle(
    id: string,
    outcome: { ok: true; value: unknown } | { ok: false; status: 'dead' | 'cancelled'; error: JobError },
  ): void;
}

/**
 * The storage and scheduling port of `createJobs`. `memoryBackend()` is the
 * embedded default; `bullmqBackend()` (from `@telltale/jobs/bullmq`) runs on Redis.
 *
 * @example
 * ```ts
 * import { createJobs, memoryBackend, type JobsBackend } from '@telltale/jobs';
 * const backend: JobsBackend = memoryBackend();
 * const jobs = createJobs({ types, backend });
 * ```
 */
export interface JobsBackend {
  /** `memory`, `bullmq`, ... (for logs and health output). */
  readonly kind: string;
  /** Starts the workers for the host's types. Called once. */
  start(host: BackendHost): Promise<void>;
  /** Adds a job unless its id exists; `duplicate` then (and the existing id). Applies `maxQueued`. */
  add(job: NewJob): Promise<{ id: string; duplicate: boolean }>;
  get(id: string): Promise<JobInfo | undefined>;
  /** Removes a waiting/delayed job, or aborts a running one (in any process). */
  cancel(id: string): Promise<'removed' | 'signalled' | 'finished' | 'not-found'>;
  /** Jobs with the status, oldest first (bounded by `limit`). */
  list(status: JobStatus, options?: { type?: string | undefined; limit?: number | undefined }): Promise<JobInfo[]>;
  counts(): Promise<Record<string, JobCounts>>;
  /** Moves dead jobs back to waiting, counting a redrive; returns the ids moved. */
  redrive(ids: readonly string[]): Promise<string[]>;
  /** Deletes dead jobs; returns how many. */
  remove(ids: readonly string[]): Promise<number>;
  /** Stops taking jobs, aborts running attempts (they are retried later, or by another process) and releases resources. */
  close(): Promise<void>;
}
