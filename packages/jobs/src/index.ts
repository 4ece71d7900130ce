export { createJobs } from './create-jobs.js';
export type { Jobs } from './create-jobs.js';
export { memoryBackend } from './memory/memory-backend.js';
export { JOBS_ERROR_CODES } from './errors.js';
export type {
  JobStatus,
  JobError,
  JobInfo,
  JobContext,
  JobHandler,
  JobTypeOptions,
  DeadLetterOptions,
  JobsOptions,
  SubmitOptions,
  SubmittedJob,
  JobEvent,
  JobCounts,
  RedriveFilter,
  JobsHealthOptions,
  JobsHealthResult,
} from './types.js';
export type {
  JobsBackend,
  BackendHost,
  BackendType,
  NewJob,
  Attempt,
  AttemptOutcome,
  FailureDecision,
} from './backend.js';
