export { circuitBreaker } from './circuit-breaker.js';
export type {
  CircuitBreakerOptions,
  CircuitBreakerPolicy,
  CircuitBreakerSnapshot,
  CircuitState,
  CircuitStateChange,
  BreakerHealthOptions,
  BreakerHealthResult,
} from './circuit-breaker.js';
export { retry } from './retry.js';
export type { RetryOptions, RetryPolicy, RetryEvent } from './retry.js';
export { exponential, constant } from './backoff.js';
export type { Backoff, ExponentialOptions, Jitter } from './backoff.js';
export { retryBudget } from './retry-budget.js';
export type { RetryBudget, RetryBudgetOptions, RetryBudgetStats } from './retry-budget.js';
export { timeout } from './timeout.js';
export type { TimeoutOptions, TimeoutPolicy } from './timeout.js';
export { bulkhead } from './bulkhead.js';
export type { BulkheadOptions, BulkheadPolicy, BulkheadStats } from './bulkhead.js';
export { fallback } from './fallback.js';
export type { FallbackOptions, FallbackPolicy } from './fallback.js';
export { hedge } from './hedge.js';
export type { HedgeOptions, HedgePolicy } from './hedge.js';
export { pipeline } from './pipeline.js';
export type { Pipeline, PipelineOptions } from './pipeline.js';
export { RESILIENCE_ERROR_CODES, isLocalRefusal } from './errors.js';
export { parseRetryAfter, retryAfterFromError, classifyStatus, readBoundedBody } from './http/index.js';
export type { HttpFailureKind, BoundedBody, ReadBodyOptions, FetchFunction } from './http/index.js';
export type { Cancellation, Unsubscribe } from './cancellation.js';
export type {
  ExecuteOptions,
  ExecutionContext,
  EventFields,
  Next,
  Operation,
  Policy,
  Priority,
  Run,
} from './policy.js';
export type {
  ResilienceEvent,
  ResilienceEventBase,
  ResilienceEventType,
  RetryScheduledEvent,
  RetryGivenUpEvent,
  RetryBudgetExhaustedEvent,
  TimedOutEvent,
  FallbackUsedEvent,
  HedgeLaunchedEvent,
  BulkheadRejectedEvent,
  CircuitRejectedEvent,
  CircuitStateEvent,
  CustomResilienceEvent,
} from './events.js';
export { jobQueue } from './job-queue.js';
export type {
  JobQueue,
  JobQueueOptions,
  JobTypeOptions,
  JobContext,
  JobEvent,
  JobTypeStats,
  SubmitOptions,
  SubmittedJob,
  JobDeadLetter,
  DeadLetter,
} from './job-queue.js';
