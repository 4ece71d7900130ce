export { createHttpMetrics } from './http-metrics.js';
export type { HttpMetrics, HttpMetricsOptions, HttpRequestHandle } from './http-metrics.js';
export type { IgnoreOption } from './ignore.js';
export { createHttpMetricsProducer, registerHttpMetricsProducer } from './producer.js';
export type { HttpMetricsProducer } from './producer.js';
export { HTTP_DURATION_BUCKETS, OPERATION_DURATION_BUCKETS } from './buckets.js';
export { histogramQuantile } from './quantile.js';
export type { HttpMetricsSnapshot, RouteStatistics, SnapshotOptions } from './snapshot.js';
export { performanceReport } from './performance-report.js';
export type { PerformanceReportOptions } from './performance-report.js';
export { timed, timedJob, createOperationMetrics } from './timed.js';
export type { OperationMetrics, OperationMetricsOptions } from './timed.js';
export { addRequestTiming } from './server-timing/request-timing.js';
export { cacheMetrics } from './cache/cache-metrics.js';
export type { CacheMetricsOptions, GetSetCache, MeteredCache } from './cache/cache-metrics.js';
export { CACHE_LOOKUP_BUCKETS } from './cache/cache-counters.js';
export type { CacheOutcome } from './cache/cache-counters.js';
export type { CacheStatistics } from './cache/cache-snapshot.js';
export { cacheWarmer } from './cache/cache-warmer.js';
export type {
  CacheWarmer,
  CacheWarmerCheckResult,
  CacheWarmerHealthRegistry,
  CacheWarmerOptions,
} from './cache/cache-warmer.js';
