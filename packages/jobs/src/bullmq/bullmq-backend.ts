import { randomUUID } from 'node:crypto';
import { options as check, TelltaleConfigError, type DurationInput } from '@telltale/core';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { BackendHost, JobsBackend } from '../backend.js';
import { cancelledError, closedError, queueFullError } from '../errors.js';
import type { JobCounts, JobInfo, JobStatus } from '../types.js';
import { createCancelChannel, type CancelChannel } from './cancel-channel.js';
import { createProcessor } from './processor.js';
import { countJobs, listJobs } from './queries.js';
import { decodeFailure, PRIORITY_RANK, statusOf, toJobInfo, typeOfId, type StoredData } from './job-info.js';

/**
 * Options for {@link bullmqBackend}.
 *
 * @example
 * ```ts
 * import { bullmqBackend, type BullmqBackendOptions } from '@telltale/jobs/bullmq';
 * const options: BullmqBackendOptions = { connection: process.env.REDIS_URL!, prefix: 'orders' };
 * const backend = bullmqBackend(options);
 * ```
 */
export interface BullmqBackendOptions {
  /** A Redis URL (`redis://host:6379/0`) or ioredis options. The backend opens and closes its own connections. */
  connection: string | RedisOptions;
  /** Key prefix of every queue (default `'telltale-jobs'`); processes sharing jobs use the same one. */
  prefix?: string;
  /** Run workers in this process (default true); `false` for a process that only submits and watches. */
  workers?: boolean;
  /** How long a worker's lock on a job lasts without renewal (default `'30s'`); a dead worker's job is taken over after it. */
  lockDuration?: DurationInput;
  /** How often workers look for jobs whose lock expired (default `'30s'`). */
  stalledInterval?: DurationInput;
  /** Times a job may be taken over after its worker died before it is dead-lettered (default 2). */
  maxStalledCount?: number;
}

type Outcome = Parameters<BackendHost['settle']>[1];

/** Redis keeps nothing for us but BullMQ's own structures, plus one pub/sub channel for cancellation. */
class BullmqJobsBackend implements JobsBackend {
  readonly kind = 'bullmq';
  private host: BackendHost | undefined;
  private readonly clients: Redis[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly events: QueueEvents[] = [];
  /** Ids this process submitted and has not seen finish: their outcome arrives via QueueEvents. */
  private readonly watched = new Set<string>();
  /** Jobs running here, by id: what a cancel message aborts. */
  private readonly running = new Map<string, AbortController>();
  /** Jobs that ran here until their final QueueEvents event: their events were reported locally. */
  private readonly ranHere = new Set<string>();
  private cancels: CancelChannel | undefined;
  /** Estimated backlog per type (see `backlog`). */
  private readonly backlogs = new Map<string, { at: number; count: number }>();
  private closed = false;
  private readonly prefix: string;
  private readonly lockDuration: number;
  private readonly stalledInterval: number;
  private readonly maxStalledCount: number;
  private readonly runWorkers: boolean;

  constructor(private readonly options: BullmqBackendOptions) {
    const connection = options.connection as unknown;
    if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
      throw new TelltaleConfigError({
        option: 'bullmqBackend.connection',
        value: connection,
        expected: 'a Redis URL or ioredis options',
      });
    }
    this.prefix = check.nonEmptyString('bullmqBackend.prefix', options.prefix, 'telltale-jobs');
    this.lockDuration = check.duration('bullmqBackend.lockDuration', options.lockDuration, '30s');
    this.stalledInterval = check.duration('bullmqBackend.stalledInterval', options.stalledInterval, '30s');
    this.maxStalledCount = check.nonNegativeInteger('bullmqBackend.maxStalledCount', options.maxStalledCount, 2);
    this.runWorkers = options.workers ?? true;
  }

  private redis(): Redis {
    // BullMQ requires maxRetriesPerRequest: null on connections it blocks on.
    const extra = { maxRetriesPerRequest: null, lazyConnect: false } as const;
    const client =
      typeof this.options.connection === 'string'
        ? new Redis(this.options.connection, extra)
        : new Redis({ ...this.options.connection, ...extra });
    client.on('error', (error: unknown) => this.host?.logger.warn({ err: error }, 'jobs: redis connection error'));
    this.clients.push(client);
    return client;
  }

  private queueOf(id: string): Queue | undefined {
    return this.queues.get(typeOfId(id));
  }

  async start(host: BackendHost): Promise<void> {
    this.host = host;
    const shared = this.redis();
    for (const type of host.types.values()) {
      const queue = new Queue(type.name, { connection: shared, prefix: this.prefix });
      this.queues.set(type.name, queue);
      if (type.globalConcurrency === undefined) await queue.removeGlobalConcurrency();
      else await queue.setGlobalConcurrency(type.globalConcurrency);
      const events = new QueueEvents(type.name, { connection: this.redis(), prefix: this.prefix });
      events.on('progress', ({ jobId, data }) => {
        if (this.watched.has(jobId) && !this.running.has(jobId)) {
          const value = (data as { value?: unknown } | undefined)?.value;
          host.emit({ type: 'job-progressed', id: jobId, jobType: type.name, progress: value });
        }
      });
      events.on('completed', ({ jobId, returnvalue }) => this.finished(jobId, { ok: true, value: returnvalue }));
      events.on('failed', ({ jobId, failedReason }) => this.failedRemotely(jobId, failedReason));
      events.on('removed', ({ jobId }) => {
        const error = { name: 'TelltaleError', message: `Job ${jobId} was cancelled`, code: 'TELLTALE_JOBS_CANCELLED' };
        this.finished(jobId, { ok: false, status: 'cancelled', error });
      });
      this.events.push(events);
      await events.waitUntilReady();
    }
    this.cancels = await createCancelChannel(this.redis(), shared, this.prefix, (id) => {
      this.running.get(id)?.abort(cancelledError(id, typeOfId(id)));
    });
    if (this.runWorkers) for (const type of host.types.values()) this.startWorker(type.name);
  }

  private startWorker(name: string): void {
    const host = this.host!;
    const type = host.types.get(name)!;
    const worker = new Worker(
      name,
      createProcessor({ host, name, running: this.running, ranHere: this.ranHere, cancels: this.cancels! }),
      {
        connection: this.redis(),
        prefix: this.prefix,
        concurrency: type.concurrency,
        lockDuration: this.lockDuration,
        stalledInterval: this.stalledInterval,
        maxStalledCount: this.maxStalledCount,
        settings: {
          // The runner already chose the wait (the type's Backoff); BullMQ applies it.
          backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
            (error as { retryDelay?: number } | undefined)?.retryDelay ?? type.backoff(attemptsMade),
        },
      },
    );
    worker.on('error', (error) => host.logger.warn({ err: error, type: name }, 'jobs: worker error'));
    this.workers.push(worker);
  }

  /** A final outcome seen on QueueEvents: settle `done` here; report it unless this process ran the job (it did already). */
  private finished(id: string, outcome: Outcome, attempts = 0): void {
    const ranHere = this.ranHere.delete(id);
    if (!this.watched.delete(id)) return;
    const host = this.host!;
    const jobType = typeOfId(id);
    if (!ranHere) {
      if (outcome.ok) host.emit({ type: 'job-completed', id, jobType });
      else if (outcome.status === 'cancelled') host.emit({ type: 'job-cancelled', id, jobType });
      else host.emit({ type: 'job-dead-lettered', id, jobType, attempts, error: outcome.error });
    }
    host.settle(id, outcome);
  }

  private failedRemotely(id: string, reason: string): void {
    const { status, error, attempts } = decodeFailure(reason);
    if (status !== 'retry') this.finished(id, { ok: false, status, error }, attempts);
  }

  /**
   * Waiting + delayed jobs of a type, read from Redis at most every 250 ms (plus this process's
   * adds since): `maxQueued` is approximate across processes anyway, and a count per submit
   * would double its round trips. Re-read whenever the estimate reaches the limit.
   */
  private async backlog(name: string, queue: Queue): Promise<number> {
    const limit = this.host!.types.get(name)!.maxQueued;
    const cached = this.backlogs.get(name);
    if (cached && Date.now() - cached.at < 250 && cached.count < limit) return cached.count++;
    const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
    const count = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    this.backlogs.set(name, { at: Date.now(), count: count + 1 });
    return count;
  }

  async add(job: Parameters<JobsBackend['add']>[0]): Promise<{ id: string; duplicate: boolean }> {
    if (this.closed) throw closedError();
    const queue = this.queues.get(job.type)!;
    const type = this.host!.types.get(job.type)!;
    if ((await this.backlog(job.type, queue)) >= type.maxQueued) throw queueFullError(job.type, type.maxQueued);
    const data: StoredData = { payload: job.payload, key: job.idempotencyKey, submission: randomUUID(), redrives: 0 };
    this.watched.add(job.id);
    await queue.add(job.type, data, {
      jobId: job.id,
      priority: PRIORITY_RANK[job.priority],
      delay: job.delay,
      attempts: type.maxAttempts,
      backoff: { type: 'telltale' },
      removeOnComplete: { age: Math.max(1, Math.ceil(this.host!.keepCompleted / 1000)) },
      removeOnFail: false,
    });
    let duplicate = false;
    if (job.idempotencyKey !== undefined) {
      // BullMQ keeps the first job for a jobId; only the winner's submission token is stored.
      const stored = await Job.fromId(queue, job.id);
      duplicate = stored !== undefined && (stored.data as StoredData).submission !== data.submission;
    }
    if (!duplicate) {
      this.host!.emit({
        type: 'job-queued',
        id: job.id,
        jobType: job.type,
        status: job.delay > 0 ? 'delayed' : 'waiting',
      });
    }
    return { id: job.id, duplicate };
  }

  async get(id: string): Promise<JobInfo | undefined> {
    const queue = this.queueOf(id);
    if (!queue) return undefined;
    // State first, then the record: a job that finishes in between is reported with its older
    // state, never as completed without its result.
    const state = await queue.getJobState(id);
    const job = await Job.fromId(queue, id);
    if (!job) return undefined;
    const status = statusOf(state, job);
    return status ? toJobInfo(job, status) : undefined;
  }

  async cancel(id: string): Promise<'removed' | 'signalled' | 'finished' | 'not-found'> {
    const queue = this.queueOf(id);
    const job = queue ? await Job.fromId(queue, id) : undefined;
    if (!job) return 'not-found';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'finished';
    if (state !== 'active') {
      try {
        await job.remove();
        this.host!.emit({ type: 'job-cancelled', id, jobType: job.name });
        if (this.watched.delete(id)) {
          const error = { name: 'TelltaleError', message: `Job ${id} was cancelled`, code: 'TELLTALE_JOBS_CANCELLED' };
          this.host!.settle(id, { ok: false, status: 'cancelled', error });
        }
        return 'removed';
      } catch {
        // Locked: it became active meanwhile; signal it instead.
      }
    }
    await this.cancels!.request(id, this.lockDuration * 4);
    return 'signalled';
  }

  list(status: JobStatus, options: { type?: string | undefined; limit?: number | undefined } = {}) {
    return listJobs(this.queues, status, options);
  }

  counts(): Promise<Record<string, JobCounts>> {
    return countJobs(this.queues);
  }

  async redrive(ids: readonly string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const id of ids) {
      const queue = this.queueOf(id);
      const job = queue ? await Job.fromId(queue, id) : undefined;
      if (!job || statusOf(await job.getState(), job) !== 'dead') continue;
      const data = job.data as StoredData;
      try {
        await job.updateData({ ...data, redrives: (data.redrives ?? 0) + 1 });
        await job.retry('failed', { resetAttemptsMade: true });
      } catch {
        continue; // another process redrove it first
      }
      moved.push(id);
      this.host!.emit({ type: 'job-redriven', id, jobType: job.name, redrives: (data.redrives ?? 0) + 1 });
    }
    return moved;
  }

  async remove(ids: readonly string[]): Promise<number> {
    let count = 0;
    for (const id of ids) {
      const queue = this.queueOf(id);
      const job = queue ? await Job.fromId(queue, id) : undefined;
      if (job && statusOf(await job.getState(), job) === 'dead') {
        await job.remove();
        count++;
      }
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Workers finish their running jobs first (BullMQ's graceful close).
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all(this.events.map((events) => events.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.cancels?.close();
    await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

/**
 * A backend on BullMQ (Redis): jobs survive restarts and are shared by every
 * process using the same Redis and `prefix`. BullMQ does the scheduling:
 * worker concurrency, queue-wide global concurrency, priorities, delays,
 * `jobId` deduplication for idempotency keys, retries with the type's
 * backoff, and recovery of jobs whose worker died (lock expiry).
 * Cancellation of a running job reaches the process running it over a Redis
 * pub/sub channel (`<prefix>:cancel`), backed by a key checked at start.
 *
 * @example
 * ```ts
 * import { createJobs } from '@telltale/jobs';
 * import { bullmqBackend } from '@telltale/jobs/bullmq';
 * const jobs = createJobs({
 *   backend: bullmqBackend({ connection: process.env.REDIS_URL! }),
 *   types: { transcribe: { handler: transcribe, concurrency: 3, globalConcurrency: 10 } },
 * });
 * ```
 */
export function bullmqBackend(options: BullmqBackendOptions): JobsBackend {
  return new BullmqJobsBackend(check.object('bullmqBackend', options));
}
