import type { QueueEvents } from 'bullmq';
import type { BackendHost } from '../backend.js';
import { decodeFailure, typeOfId } from './job-info.js';

type Outcome = Parameters<BackendHost['settle']>[1];

const cancelledRecord = (id: string) => ({
  name: 'TelltaleError',
  message: `Job ${id} was cancelled`,
  code: 'TELLTALE_JOBS_CANCELLED',
});

/**
 * Final outcomes of the jobs this process submitted, wherever they ran: read
 * from BullMQ's QueueEvents, they settle `done` here, and the events of jobs
 * that ran elsewhere are reported here too (those that ran here were
 * reported by the processor already).
 */
export class OutcomeTracker {
  readonly #host: BackendHost;
  /** Ids this process submitted and has not seen finish. */
  readonly #watched = new Set<string>();
  /** Jobs running here now. */
  readonly running = new Set<string>();
  /** Jobs that ran here until their final QueueEvents event. */
  readonly ranHere = new Set<string>();

  constructor(host: BackendHost) {
    this.#host = host;
  }

  /** Starts watching a job this process submits. */
  watch(id: string): void {
    this.#watched.add(id);
  }

  /** Settles a job removed here (a cancelled waiting job) without waiting for its event. */
  removed(id: string): void {
    if (this.#watched.delete(id)) this.#host.settle(id, { ok: false, status: 'cancelled', error: cancelledRecord(id) });
  }

  /** Listens to one type's queue events. */
  listen(events: QueueEvents, name: string): void {
    events.on('progress', ({ jobId, data }) => {
      if (!this.#watched.has(jobId) || this.running.has(jobId)) return;
      const value = (data as { value?: unknown } | undefined)?.value;
      this.#host.emit({ type: 'job-progressed', id: jobId, jobType: name, progress: value });
    });
    events.on('completed', ({ jobId, returnvalue }) => this.#finished(jobId, { ok: true, value: returnvalue }));
    events.on('failed', ({ jobId, failedReason }) => {
      const { status, error, attempts } = decodeFailure(failedReason);
      if (status !== 'retry') this.#finished(jobId, { ok: false, status, error }, attempts);
    });
    events.on('removed', ({ jobId }) =>
      this.#finished(jobId, { ok: false, status: 'cancelled', error: cancelledRecord(jobId) }),
    );
  }

  #finished(id: string, outcome: Outcome, attempts = 0): void {
    const ranHere = this.ranHere.delete(id);
    if (!this.#watched.delete(id)) return;
    const host = this.#host;
    const jobType = typeOfId(id);
    if (!ranHere) {
      if (outcome.ok) host.emit({ type: 'job-completed', id, jobType });
      else if (outcome.status === 'cancelled') host.emit({ type: 'job-cancelled', id, jobType });
      else host.emit({ type: 'job-dead-lettered', id, jobType, attempts, error: outcome.error });
    }
    host.settle(id, outcome);
  }
}
