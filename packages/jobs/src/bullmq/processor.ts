import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { BackendHost } from '../backend.js';
import { cancelledError } from '../errors.js';
import type { CancelChannel } from './cancel-channel.js';
import { encodeFailure, type StoredData } from './job-info.js';

/** What a worker's processor shares with its backend. */
export interface ProcessorContext {
  host: BackendHost;
  /** The job type this worker runs. */
  name: string;
  /** Jobs running here (their progress is reported here). */
  running: Set<string>;
  /** Jobs that ran here (their events were reported here). */
  ranHere: Set<string>;
  cancels: CancelChannel;
}

/**
 * The BullMQ processor of one type: runs the attempt through the host and
 * applies the runner's decision the BullMQ way (return, throw to retry,
 * `UnrecoverableError` to finish, `moveToDelayed` + `DelayedError` to postpone).
 */
export function createProcessor(context: ProcessorContext) {
  const { host, name } = context;
  // Three parameters: BullMQ then passes the AbortSignal it aborts on `worker.cancelJob()`.
  return async (job: Job, token?: string, bullmqSignal?: AbortSignal) => {
    const id = job.id!;
    context.running.add(id);
    context.ranHere.add(id);
    try {
      const requested = context.cancels.requested(id, job.attemptsStarted > 1);
      const cancelled = typeof requested === 'boolean' ? requested : await requested;
      const signal = cancelled
        ? AbortSignal.abort(cancelledError(id, name))
        : (bullmqSignal ?? new AbortController().signal);
      const attempt = job.attemptsMade + 1;
      host.emit({ type: 'job-started', id, jobType: name, attempt });
      const outcome = await host.run({
        id,
        type: name,
        payload: (job.data as StoredData).payload,
        attempt,
        signal,
        waited: job.attemptsStarted <= 1 ? Date.now() - (job.timestamp + (job.delay ?? 0)) : undefined,
        progress: (value) => {
          host.emit({ type: 'job-progressed', id, jobType: name, progress: value });
          job.updateProgress({ value }).catch((error: unknown) => {
            host.logger.warn({ err: error, job: id }, 'jobs: progress not stored');
          });
        },
      });
      if (outcome.ok) {
        host.emit({ type: 'job-completed', id, jobType: name });
        return outcome.value;
      }
      const decision = outcome.decision;
      if (decision.action === 'postpone') {
        await job.moveToDelayed(Date.now() + decision.delay, token);
        throw new DelayedError();
      }
      if (decision.action === 'cancelled') {
        host.emit({ type: 'job-cancelled', id, jobType: name });
        throw new UnrecoverableError(encodeFailure('cancelled', decision.error));
      }
      host.emit({ type: 'job-failed', id, jobType: name, attempt, error: decision.error });
      if (decision.action === 'dead') {
        host.emit({
          type: 'job-dead-lettered',
          id,
          jobType: name,
          attempts: job.attemptsStarted,
          error: decision.error,
        });
        throw new UnrecoverableError(encodeFailure('dead', decision.error, job.attemptsStarted));
      }
      host.emit({ type: 'job-retried', id, jobType: name, attempt, runAt: Date.now() + decision.delay });
      throw Object.assign(new Error(encodeFailure('retry', decision.error)), { retryDelay: decision.delay });
    } finally {
      context.running.delete(id);
    }
  };
}
