import { options as check, type Clock } from '@telltale/core';
import type { JobsBackend } from './backend.js';
import type { JobsHealthOptions, JobsHealthResult } from './types.js';

/** Builds `jobs.healthCheck()`: fail on stuck jobs or a high failure ratio, warn on backlog. */
export function jobsHealthCheck(
  backend: JobsBackend,
  clock: Clock,
  options: JobsHealthOptions = {},
): (() => Promise<JobsHealthResult>) & { measurement: string; componentType: string } {
  const input = check.object('healthCheck', options);
  const stuckAfter = check.duration('healthCheck.stuckAfter', input.stuckAfter, '15m');
  const maxFailureRatio = check.numberInRange('healthCheck.maxFailureRatio', input.maxFailureRatio, 0, 1, 0.5);
  const maxBacklog =
    input.maxBacklog === undefined ? undefined : check.nonNegativeInteger('healthCheck.maxBacklog', input.maxBacklog);
  const run = async (): Promise<JobsHealthResult> => {
    const [active, counts] = await Promise.all([backend.list('active'), backend.counts()]);
    const now = clock.now();
    const stuck = active.filter((job) => now - (job.startedAt ?? now) > stuckAfter);
    const problems: string[] = [];
    let status: JobsHealthResult['status'] = 'pass';
    if (stuck.length > 0) {
      status = 'fail';
      const sample = stuck.slice(0, 3).map((job) => job.id);
      problems.push(`${stuck.length} job(s) active longer than ${stuckAfter}ms (${sample.join(', ')})`);
    }
    for (const [type, perState] of Object.entries(counts)) {
      const finished = perState.completed + perState.dead;
      if (finished > 0 && perState.dead / finished > maxFailureRatio) {
        status = 'fail';
        problems.push(`${type}: ${perState.dead} of ${finished} finished jobs dead-lettered`);
      }
      const backlog = perState.waiting + perState.delayed + perState.failed;
      if (maxBacklog !== undefined && backlog > maxBacklog) {
        if (status === 'pass') status = 'warn';
        problems.push(`${type}: ${backlog} jobs waiting (limit ${maxBacklog})`);
      }
    }
    return problems.length === 0
      ? { status, observedValue: 0 }
      : { status, observedValue: stuck.length, output: problems.join('; ') };
  };
  return Object.assign(run, { measurement: 'stuck', componentType: 'component' });
}
