import type { TimerHandle } from '@telltale/core';
import type { BackendHost, BackendType, FailureDecision, JobsBackend, NewJob } from '../backend.js';
import { cancelledError, closedError, queueFullError } from '../errors.js';
import { toJobError } from '../run-attempt.js';
import type { JobCounts, JobInfo, JobStatus } from '../types.js';
import { emptyCounts, Lanes } from './lanes.js';

interface MemoryJob extends JobInfo {
  /** Attempts since the last redrive (what `maxAttempts` bounds). */
  driveAttempts: number;
  /** The submission's delay, for the first attempt's wait time. */
  delayMs: number;
  controller?: AbortController | undefined;
  timer?: TimerHandle | undefined;
}

interface TypeState {
  readonly type: BackendType;
  readonly lanes: Lanes;
  active: number;
  /** Waiting, delayed and retry-pending jobs (what `maxQueued` bounds). */
  queued: number;
}

const QUEUED: ReadonlySet<JobStatus> = new Set(['waiting', 'delayed', 'failed']);

/**
 * The embedded backend: jobs live in this process's memory, concurrency is
 * per process (`globalConcurrency` is the same limit), nothing survives a
 * restart. The default of `createJobs`.
 *
 * @example
 * ```ts
 * import { createJobs, memoryBackend } from '@telltale/jobs';
 * const jobs = createJobs({ backend: memoryBackend(), types: { mail: { handler: sendMail } } });
 * ```
 */
export function memoryBackend(): JobsBackend {
  let host: BackendHost | undefined;
  const jobs = new Map<string, MemoryJob>();
  const states = new Map<string, TypeState>();
  /** Completed and cancelled ids in finishing order, so expiry pops from the front. */
  const finished: string[] = [];
  const running = new Set<Promise<void>>();
  let closed = false;

  const hostOf = (): BackendHost => {
    if (!host) throw new Error('memoryBackend: start() was not called');
    return host;
  };
  const expire = (): void => {
    const { clock, keepCompleted } = hostOf();
    const horizon = clock.now() - keepCompleted;
    while (finished.length > 0) {
      const job = jobs.get(finished[0]!);
      if (job && (job.status === 'completed' || job.status === 'cancelled') && (job.finishedAt ?? 0) > horizon) break;
      finished.shift();
      if (job && (job.status === 'completed' || job.status === 'cancelled')) jobs.delete(job.id);
    }
  };
  const setStatus = (job: MemoryJob, status: JobStatus): void => {
    const state = states.get(job.type)!;
    if (QUEUED.has(job.status)) state.queued--;
    if (QUEUED.has(status)) state.queued++;
    job.status = status;
  };
  const finish = (job: MemoryJob, status: 'completed' | 'cancelled' | 'dead'): void => {
    setStatus(job, status);
    job.finishedAt = hostOf().clock.now();
    job.controller = undefined;
    if (status !== 'dead') finished.push(job.id);
  };
  const makeDue = (job: MemoryJob): void => {
    job.timer = undefined;
    job.runAt = undefined;
    setStatus(job, 'waiting');
    states.get(job.type)!.lanes.push(job.priority, job.id);
    pump(job.type);
  };
  const wait = (job: MemoryJob, status: 'delayed' | 'failed', delay: number): void => {
    const { clock } = hostOf();
    setStatus(job, status);
    job.runAt = clock.now() + delay;
    // Not a background timer: a caller may be awaiting this job's `done`.
    job.timer = clock.setTimeout(() => makeDue(job), delay);
  };

  const apply = (job: MemoryJob, outcome: { ok: true; value: unknown } | { ok: false; decision: FailureDecision }) => {
    const runtime = hostOf();
    states.get(job.type)!.active--;
    const event = { id: job.id, jobType: job.type };
    if (outcome.ok) {
      job.result = outcome.value;
      finish(job, 'completed');
      runtime.emit({ type: 'job-completed', ...event });
      runtime.settle(job.id, { ok: true, value: outcome.value });
      return;
    }
    const decision = outcome.decision;
    if (decision.action === 'postpone') {
      job.attempts--;
      job.driveAttempts--;
      wait(job, 'delayed', decision.delay);
      return;
    }
    job.error = decision.error;
    if (decision.action === 'cancelled') {
      finish(job, 'cancelled');
      runtime.emit({ type: 'job-cancelled', ...event });
      runtime.settle(job.id, { ok: false, status: 'cancelled', error: decision.error });
      return;
    }
    runtime.emit({ type: 'job-failed', ...event, attempt: job.driveAttempts, error: decision.error });
    if (decision.action === 'retry') {
      wait(job, 'failed', decision.delay);
      runtime.emit({ type: 'job-retried', ...event, attempt: job.driveAttempts, runAt: job.runAt! });
      return;
    }
    finish(job, 'dead');
    runtime.emit({ type: 'job-dead-lettered', ...event, attempts: job.attempts, error: decision.error });
    runtime.settle(job.id, { ok: false, status: 'dead', error: decision.error });
  };

  const start = (job: MemoryJob, state: TypeState): void => {
    const runtime = hostOf();
    const now = runtime.clock.now();
    const waited = job.attempts === 0 ? now - (job.createdAt + job.delayMs) : undefined;
    setStatus(job, 'active');
    state.active++;
    job.attempts++;
    job.driveAttempts++;
    job.startedAt = now;
    const controller = new AbortController();
    job.controller = controller;
    runtime.emit({ type: 'job-started', id: job.id, jobType: job.type, attempt: job.driveAttempts });
    const attempt = runtime
      .run({
        id: job.id,
        type: job.type,
        payload: job.payload,
        attempt: job.driveAttempts,
        signal: controller.signal,
        waited,
        progress(value) {
          if (job.controller !== controller) return;
          job.progress = value;
          runtime.emit({ type: 'job-progressed', id: job.id, jobType: job.type, progress: value });
        },
      })
      .then((outcome) => {
        if (!closed) apply(job, outcome);
      });
    running.add(attempt);
    void attempt.finally(() => {
      running.delete(attempt);
      if (!closed) pump(job.type);
    });
  };

  function pump(type: string): void {
    const state = states.get(type)!;
    const limit = Math.min(state.type.concurrency, state.type.globalConcurrency ?? Infinity);
    while (!closed && state.active < limit) {
      const id = state.lanes.shift();
      if (id === undefined) return;
      const job = jobs.get(id);
      if (job?.status === 'waiting') start(job, state);
    }
  }

  const snapshot = (job: MemoryJob): JobInfo => {
    const { driveAttempts: _drive, controller: _controller, timer: _timer, delayMs: _delay, ...info } = job;
    return { ...info };
  };

  return {
    kind: 'memory',
    start(runtime) {
      host = runtime;
      for (const type of runtime.types.values())
        states.set(type.name, { type, lanes: new Lanes(), active: 0, queued: 0 });
      return Promise.resolve();
    },
    add(input: NewJob) {
      if (closed) return Promise.reject(closedError());
      expire();
      const existing = jobs.get(input.id);
      if (existing) return Promise.resolve({ id: existing.id, duplicate: true });
      const state = states.get(input.type)!;
      if (state.queued >= state.type.maxQueued) return Promise.reject(queueFullError(input.type, state.type.maxQueued));
      const job: MemoryJob = {
        id: input.id,
        type: input.type,
        status: 'waiting',
        payload: input.payload,
        priority: input.priority,
        attempts: 0,
        driveAttempts: 0,
        redrives: 0,
        progress: undefined,
        idempotencyKey: input.idempotencyKey,
        createdAt: input.createdAt,
        delayMs: input.delay,
      };
      jobs.set(job.id, job);
      state.queued++;
      if (input.delay > 0) wait(job, 'delayed', input.delay);
      else state.lanes.push(job.priority, job.id);
      hostOf().emit({ type: 'job-queued', id: job.id, jobType: job.type, status: job.status as 'waiting' | 'delayed' });
      pump(job.type);
      return Promise.resolve({ id: job.id, duplicate: false });
    },
    get(id) {
      expire();
      const job = jobs.get(id);
      return Promise.resolve(job ? snapshot(job) : undefined);
    },
    cancel(id) {
      const job = jobs.get(id);
      if (!job) return Promise.resolve('not-found' as const);
      if (job.status === 'active') {
        job.controller?.abort(cancelledError(id, job.type));
        return Promise.resolve('signalled' as const);
      }
      if (!QUEUED.has(job.status)) return Promise.resolve('finished' as const);
      if (job.timer !== undefined) hostOf().clock.clearTimeout(job.timer);
      if (job.status === 'waiting') states.get(job.type)!.lanes.remove(job.priority, id);
      setStatus(job, 'cancelled');
      jobs.delete(id);
      const runtime = hostOf();
      runtime.emit({ type: 'job-cancelled', id, jobType: job.type });
      runtime.settle(id, { ok: false, status: 'cancelled', error: toJobError(cancelledError(id, job.type)) });
      return Promise.resolve('removed' as const);
    },
    list(status, options = {}) {
      expire();
      const found: JobInfo[] = [];
      for (const job of jobs.values()) {
        if (job.status !== status || (options.type !== undefined && job.type !== options.type)) continue;
        found.push(snapshot(job));
      }
      found.sort((a, b) => a.createdAt - b.createdAt);
      return Promise.resolve(options.limit === undefined ? found : found.slice(0, options.limit));
    },
    counts() {
      expire();
      const counts: Record<string, JobCounts> = {};
      for (const name of states.keys()) counts[name] = emptyCounts();
      for (const job of jobs.values()) counts[job.type]![job.status]++;
      return Promise.resolve(counts);
    },
    redrive(ids) {
      const moved: string[] = [];
      for (const id of ids) {
        const job = jobs.get(id);
        if (job?.status !== 'dead') continue;
        job.redrives++;
        job.driveAttempts = 0;
        job.finishedAt = undefined;
        setStatus(job, 'waiting');
        states.get(job.type)!.lanes.push(job.priority, id);
        hostOf().emit({ type: 'job-redriven', id, jobType: job.type, redrives: job.redrives });
        moved.push(id);
      }
      for (const type of new Set(moved.map((id) => jobs.get(id)!.type))) pump(type);
      return Promise.resolve(moved);
    },
    remove(ids) {
      let count = 0;
      for (const id of ids) if (jobs.get(id)?.status === 'dead' && jobs.delete(id)) count++;
      return Promise.resolve(count);
    },
    async close() {
      if (closed) return;
      closed = true;
      const runtime = host;
      for (const job of jobs.values()) {
        if (job.timer !== undefined) runtime?.clock.clearTimeout(job.timer);
        job.controller?.abort(closedError());
      }
      await Promise.all(running);
    },
  };
}
