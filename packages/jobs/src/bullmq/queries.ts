import type { Job, Queue } from 'bullmq';
import { emptyCounts } from '../memory/lanes.js';
import type { JobCounts, JobInfo, JobStatus } from '../types.js';
import { statusOf, toJobInfo } from './job-info.js';

type BullState = 'wait' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed';

/** BullMQ sets holding each of our statuses (dead and cancelled share `failed`, retrying and delayed share `delayed`). */
const STATES: Record<JobStatus, BullState[]> = {
  waiting: ['wait', 'prioritized'],
  delayed: ['delayed'],
  failed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  dead: ['failed'],
  cancelled: ['failed'],
};

/** Jobs with `status` across the queues, oldest first. */
export async function listJobs(
  queues: ReadonlyMap<string, Queue>,
  status: JobStatus,
  options: { type?: string | undefined; limit?: number | undefined },
): Promise<JobInfo[]> {
  const found: JobInfo[] = [];
  for (const [name, queue] of queues) {
    if (options.type !== undefined && options.type !== name) continue;
    const jobs = (await queue.getJobs(STATES[status], 0, -1, true)) as Job[];
    for (const job of jobs) if (statusOf(STATES[status][0]!, job) === status) found.push(toJobInfo(job, status));
  }
  found.sort((a, b) => a.createdAt - b.createdAt);
  return options.limit === undefined ? found : found.slice(0, options.limit);
}

/** Jobs per type and status; the delayed and failed sets are read to split them. */
export async function countJobs(queues: ReadonlyMap<string, Queue>): Promise<Record<string, JobCounts>> {
  const result: Record<string, JobCounts> = {};
  for (const [name, queue] of queues) {
    const raw = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const counts = emptyCounts();
    counts.waiting = (raw.wait ?? 0) + (raw.prioritized ?? 0);
    counts.active = raw.active ?? 0;
    counts.completed = raw.completed ?? 0;
    for (const state of ['delayed', 'failed'] as const) {
      if ((raw[state] ?? 0) === 0) continue;
      for (const job of (await queue.getJobs([state])) as Job[]) counts[statusOf(state, job)!]++;
    }
    result[name] = counts;
  }
  return result;
}
