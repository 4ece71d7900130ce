import type { Job } from 'bullmq';
import type { Priority } from '@telltale/resilience';
import type { JobError, JobInfo, JobStatus } from '../types.js';

/** What a job's BullMQ `data` holds. */
export interface StoredData {
  payload: unknown;
  key?: string | undefined;
  /** Random per submission with an idempotency key: tells the winner of a `jobId` race from a duplicate. */
  submission?: string | undefined;
  redrives: number;
}

/** Progress is wrapped so `0`, `false` and `undefined` survive BullMQ's default of `0`. */
export interface StoredProgress {
  value: unknown;
}

const MARK = 'telltale:';

/** Encodes the final status and error into BullMQ's `failedReason` (a string). */
export function encodeFailure(status: 'dead' | 'cancelled' | 'retry', error: JobError, attempts = 0): string {
  return MARK + JSON.stringify({ status, attempts, ...error });
}

/** Decodes `failedReason`; foreign reasons (BullMQ's own, e.g. stalled too often) are dead with that message. */
export function decodeFailure(reason: string | undefined): {
  status: 'dead' | 'cancelled' | 'retry';
  error: JobError;
  attempts: number;
} {
  if (reason?.startsWith(MARK)) {
    try {
      const parsed = JSON.parse(reason.slice(MARK.length)) as JobError & {
        status: 'dead' | 'cancelled' | 'retry';
        attempts: number;
      };
      const { status, attempts, ...error } = parsed;
      return { status, error, attempts };
    } catch {
      // fall through: treat as foreign
    }
  }
  return { status: 'dead', error: { name: 'Error', message: reason ?? 'failed' }, attempts: 0 };
}

export const PRIORITY_RANK: Record<Priority, number> = { high: 1, medium: 2, low: 3 };
const RANK_PRIORITY: Record<number, Priority> = { 1: 'high', 2: 'medium', 3: 'low' };

/** Maps BullMQ's state to ours. */
export function statusOf(state: string, job: Job): JobStatus | undefined {
  switch (state) {
    case 'waiting':
    case 'wait':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
      return job.attemptsMade > 0 && job.failedReason ? 'failed' : 'delayed';
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return decodeFailure(job.failedReason).status === 'cancelled' ? 'cancelled' : 'dead';
    default:
      return undefined;
  }
}

/** Builds our view of a BullMQ job. */
export function toJobInfo(job: Job, status: JobStatus): JobInfo {
  const data = job.data as StoredData;
  const progress = job.progress as unknown;
  const info: JobInfo = {
    id: job.id!,
    type: job.name,
    status,
    payload: data.payload,
    priority: RANK_PRIORITY[job.priority] ?? 'medium',
    attempts: job.attemptsStarted,
    redrives: data.redrives ?? 0,
    progress: typeof progress === 'object' && progress !== null && 'value' in progress ? progress.value : undefined,
    idempotencyKey: data.key,
    createdAt: job.timestamp,
  };
  // A retry's due time is only in the delayed set's score; a first delay is known from the job.
  if (status === 'delayed' && job.attemptsStarted === 0) info.runAt = job.timestamp + (job.delay ?? 0);
  if (job.processedOn) info.startedAt = job.processedOn;
  if (job.finishedOn) info.finishedAt = job.finishedOn;
  if (job.failedReason) info.error = decodeFailure(job.failedReason).error;
  if (status === 'completed') info.result = job.returnvalue as unknown;
  return info;
}

/** The type part of a job id (`<type>.<suffix>`). */
export function typeOfId(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? '' : id.slice(0, dot);
}
