/**
 * The status events of `@telltale/jobs` (`jobs.onEvent`), described
 * structurally so `@telltale/live` needs no dependency on that package.
 *
 * @example
 * ```ts
 * import type { JobStatusEvent } from '@telltale/live';
 * const event: JobStatusEvent = { type: 'job-progressed', id: 'transcribe.1', jobType: 'transcribe', progress: { percent: 40 } };
 * ```
 */
export type JobStatusEvent =
  | { readonly type: 'job-queued'; readonly id: string; readonly jobType: string; readonly status: string }
  | { readonly type: 'job-started'; readonly id: string; readonly jobType: string; readonly attempt: number }
  | { readonly type: 'job-progressed'; readonly id: string; readonly jobType: string; readonly progress: unknown }
  | { readonly type: 'job-completed'; readonly id: string; readonly jobType: string }
  | {
      readonly type: 'job-failed';
      readonly id: string;
      readonly jobType: string;
      readonly attempt: number;
      readonly error: { readonly code?: string | undefined };
    }
  | {
      readonly type: 'job-retried';
      readonly id: string;
      readonly jobType: string;
      readonly attempt: number;
      readonly runAt: number;
    }
  | {
      readonly type: 'job-dead-lettered';
      readonly id: string;
      readonly jobType: string;
      readonly attempts: number;
      readonly error: { readonly code?: string | undefined };
    }
  | { readonly type: 'job-cancelled'; readonly id: string; readonly jobType: string }
  | { readonly type: 'job-redriven'; readonly id: string; readonly jobType: string; readonly redrives: number };

/**
 * A live message plus whether it is the last one of its topic (the feed then
 * ends the topic after its grace period).
 *
 * @example
 * ```ts
 * import type { LiveFeedMessage } from '@telltale/live';
 * const message: LiveFeedMessage = { type: 'completed', data: { status: 'completed' }, final: true };
 * ```
 */
export interface LiveFeedMessage {
  readonly type?: string;
  readonly data: unknown;
  readonly final?: boolean;
}

/** Only the error code reaches browsers: messages may carry internals or secrets. */
const errorOf = (error: { readonly code?: string | undefined }) =>
  error.code === undefined ? {} : { code: error.code };

/**
 * Maps a job status event to the live message a browser sees: the type is
 * the job event's name without `job-` (past participles: `queued`, `started`,
 * `progressed`, `retried`, `completed`, `dead-lettered`, `cancelled`,
 * `redriven`), except `job-failed`, which is `attempt-failed` (the job may
 * still be retried); the data holds `id`, `jobType`, the job's `status` and
 * the event's fields (an error as its code only). `completed`,
 * `dead-lettered` and `cancelled` are final. Other events give
 * `undefined` (skipped). The default `message` of {@link liveFeed}.
 *
 * @example
 * ```ts
 * import { jobStatusMessage } from '@telltale/live';
 * jobStatusMessage({ type: 'job-progressed', id: 'j1', jobType: 'transcribe', progress: 40 });
 * // { type: 'progressed', data: { id: 'j1', jobType: 'transcribe', status: 'active', progress: 40 } }
 * ```
 */
export function jobStatusMessage(event: { readonly type: string }): LiveFeedMessage | undefined {
  const job = event as JobStatusEvent;
  const base = { id: job.id, jobType: job.jobType };
  switch (job.type) {
    case 'job-queued':
      return { type: 'queued', data: { ...base, status: job.status } };
    case 'job-started':
      return { type: 'started', data: { ...base, status: 'active', attempt: job.attempt } };
    case 'job-progressed':
      return { type: 'progressed', data: { ...base, status: 'active', progress: job.progress } };
    case 'job-failed':
      return {
        type: 'attempt-failed',
        data: { ...base, status: 'failed', attempt: job.attempt, error: errorOf(job.error) },
      };
    case 'job-retried':
      return { type: 'retried', data: { ...base, status: 'failed', attempt: job.attempt, runAt: job.runAt } };
    case 'job-completed':
      return { type: 'completed', data: { ...base, status: 'completed' }, final: true };
    case 'job-dead-lettered':
      return {
        type: 'dead-lettered',
        data: { ...base, status: 'dead', attempts: job.attempts, error: errorOf(job.error) },
        final: true,
      };
    case 'job-cancelled':
      return { type: 'cancelled', data: { ...base, status: 'cancelled' }, final: true };
    case 'job-redriven':
      return { type: 'redriven', data: { ...base, status: 'waiting', redrives: job.redrives } };
    default:
      return undefined;
  }
}
