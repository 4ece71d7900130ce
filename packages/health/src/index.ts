export { createHealthRegistry } from './registry.js';
export type {
  HealthRegistry,
  HealthRegistryState,
  RunOptions,
  RegisteredCheck,
  ShutdownHandlerOptions,
} from './registry-types.js';
export type { HealthRegistryOptions, RegisterOptions } from './registry-options.js';
export type {
  HealthCheck,
  HealthCheckContext,
  HealthCheckDefaults,
  HealthCheckEntry,
  HealthCheckResult,
  HealthDocument,
  HealthStatus,
} from './types.js';
export type { DrainableServer } from './server-drain.js';
export type { MeterProviderLike } from './telemetry.js';
export { createHealthEndpoint } from './http-endpoint.js';
export { formatHealthReport, healthAnswerStatus, parseHealthDocument } from './health-report.js';
export type { ReadHealthDocument } from './health-report.js';
export type { ExposeDetails, HealthEndpoint, HealthEndpointOptions, HealthHttpResponse } from './http-endpoint.js';
export { httpCheck } from './checks/http-check.js';
export type { HttpCheckOptions } from './checks/http-check.js';
export { tcpCheck } from './checks/tcp-check.js';
export { pingCheck } from './checks/ping-check.js';
export { memoryCheck } from './checks/memory-check.js';
export type { MemoryCheckOptions } from './checks/memory-check.js';
export { eventLoopDelayCheck } from './checks/event-loop-delay-check.js';
export type { EventLoopDelayCheckOptions } from './checks/event-loop-delay-check.js';
export { diskSpaceCheck } from './checks/disk-space-check.js';
export type { DiskSpaceCheckOptions } from './checks/disk-space-check.js';
export { postgresCheck } from './checks/postgres-check.js';
export type { PostgresCheckOptions, PostgresProbePool, PostgresProbeClient } from './checks/postgres-check.js';
export { redisCheck } from './checks/redis-check.js';
export type { RedisCheckOptions, RedisProbeClient } from './checks/redis-check.js';
export type { DatastoreCheckOptions } from './checks/datastore-probe.js';
