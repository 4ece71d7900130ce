import type { DurationInput } from '@telltale/core';

/**
 * Options for `jobs.healthCheck()`.
 *
 * @example
 * ```ts
 * registry.register('jobs', jobs.healthCheck({ stuckAfter: '15m', maxFailureRatio: 0.2, maxBacklog: 5_000 }));
 * ```
 */
export interface JobsHealthOptions {
  /** An active job running longer than this is stuck (default `'15m'`). */
  stuckAfter?: DurationInput;
  /** Fail when dead / (completed + dead) over the kept jobs exceeds this (default 0.5). */
  maxFailureRatio?: number;
  /** Warn when waiting + delayed of any type exceeds this (default: no limit). */
  maxBacklog?: number;
}

/**
 * Result of the jobs health check, compatible with `@telltale/health`.
 *
 * @example
 * ```ts
 * const result = await jobs.healthCheck()();
 * if (result.status !== 'pass') console.warn(result.output);
 * ```
 */
export interface JobsHealthResult {
  status: 'pass' | 'warn' | 'fail';
  /** Stuck active jobs. */
  observedValue: number;
  output?: string;
}
