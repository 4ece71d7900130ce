export { createDashboard } from './create-dashboard.js';
export type { Dashboard, HandleOptions } from './create-dashboard.js';
export type { DashboardOptions, RequestPredicate } from './dashboard-options.js';
export type { AllowedHosts } from './allowed-hosts.js';
export type { HealthDetails } from './health-details.js';
export { ACTION_HEADER } from './silence-action.js';
export type { SilenceRequest } from './silence-action.js';
export type { ProfileOptions } from './profiles.js';
export type { DashboardSnapshot, RouteRow, HealthRow } from './snapshot.js';
export type { ProcessStats } from './process-stats.js';
export type {
  AlertView,
  BreakerView,
  CacheView,
  DashboardSources,
  HealthCheckResult,
  HealthDoc,
  HealthStatus,
  QueueView,
  RouteStats,
  SttView,
} from './views.js';
