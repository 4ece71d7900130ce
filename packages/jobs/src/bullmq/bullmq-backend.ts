import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackendHost, JobsBackend } from '../backend.js';
import { cancelledError, closedError, queueFullError } from '../errors.js';
import type { JobCounts, JobInfo, JobStatus } from '../types.js';
import { resolveBullmqOptions, type BullmqBackendOptions, type ResolvedBullmqOptions } from './backend-options.js';
import { BacklogEstimate } from './backlog.js';
import { createCancelChannel, type CancelChannel } from './cancel-channel.js';
import { PRIORITY_RANK, statusOf, toJobInfo, typeOfId, type StoredData } from './job-info.js';
import { OutcomeTracker } from './outcomes.js';
import { createProcessor } from './processor.js';
import { countJobs, listJobs } from './queries.js';

export type { BullmqBackendOptions } from './backend-options.js';

/** Redis keeps nothing for us but BullMQ's own structures, plus one pub/sub channel for cancellation. */
class BullmqJobsBackend implements JobsBackend {
  readonly kind = 'bullmq';
  private host: BackendHost | undefined;
  private outcomes: OutcomeTracker | undefined;
  private readonly clients: Redis[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly events: QueueEvents[] = [];
  private readonly backlog = new BacklogEstimate();
  private cancels: CancelChannel | undefined;
  private closed = false;

  constructor(private readonly options: ResolvedBullmqOptions) {}

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
    const outcomes = (this.outcomes = new OutcomeTracker(host));
    const { prefix } = this.options;
    const shared = this.redis();
    for (const type of host.types.values()) {
      const queue = new Queue(type.name, { connection: shared, prefix });
      this.queues.set(type.name, queue);
      if (type.globalConcurrency === undefined) await queue.removeGlobalConcurrency();
      else await queue.setGlobalConcurrency(type.globalConcurrency);
      const events = new QueueEvents(type.name, { connection: this.redis(), prefix });
      outcomes.listen(events, type.name);
      this.events.push(events);
      await events.waitUntilReady();
    }
    this.cancels = await createCancelChannel(this.redis(), shared, {
      prefix,
      // A job that becomes active just after the message still sees it.
      ttl: this.options.lockDuration * 4,
      now: () => host.clock.now(),
      // BullMQ aborts the AbortSignal it gave the processor of a job running here. Its types say
      // the reason is a string, but it goes to AbortController.abort() as is: the runner needs the
      // typed cancel error there to end the job `cancelled`.
      onCancel: (id) => {
        const reason = cancelledError(id, typeOfId(id)) as unknown as string;
        return this.workers.some((worker) => worker.cancelJob(id, reason));
      },
    });
    if (this.options.runWorkers) for (const type of host.types.values()) this.startWorker(type.name);
  }

  private startWorker(name: string): void {
    const host = this.host!;
    const type = host.types.get(name)!;
    const { running, ranHere } = this.outcomes!;
    const worker = new Worker(name, createProcessor({ host, name, running, ranHere, cancels: this.cancels! }), {
      connection: this.redis(),
      prefix: this.options.prefix,
      concurrency: type.concurrency,
      lockDuration: this.options.lockDuration,
      stalledInterval: this.options.stalledInterval,
      maxStalledCount: this.options.maxStalledCount,
      settings: {
        // The runner already chose the wait (the type's Backoff); BullMQ applies it.
        backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
          (error as { retryDelay?: number } | undefined)?.retryDelay ?? type.backoff(attemptsMade),
      },
    });
    worker.on('error', (error) => host.logger.warn({ err: error, type: name }, 'jobs: worker error'));
    this.workers.push(worker);
  }

  async add(job: Parameters<JobsBackend['add']>[0]): Promise<{ id: string; duplicate: boolean }> {
    if (this.closed) throw closedError();
    const queue = this.queues.get(job.type)!;
    const type = this.host!.types.get(job.type)!;
    const estimate = this.backlog.next(job.type, queue, type.maxQueued);
    if ((typeof estimate === 'number' ? estimate : await estimate) >= type.maxQueued) {
      throw queueFullError(job.type, type.maxQueued);
    }
    // The submission token only tells a duplicate of an idempotency key from the winner.
    const submission = job.idempotencyKey === undefined ? undefined : randomUUID();
    const data: StoredData = { payload: job.payload, key: job.idempotencyKey, submission, redrives: 0 };
    this.outcomes!.watch(job.id);
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
        this.outcomes!.removed(id);
        return 'removed';
      } catch {
        // Locked: it became active meanwhile; signal it instead.
      }
    }
    await this.cancels!.request(id);
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
 * pub/sub channel (`<prefix>:cancel`) and aborts BullMQ's own AbortSignal of
 * the job; a marker key covers a retry or takeover that starts later.
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
  return new BullmqJobsBackend(resolveBullmqOptions(options));
}
