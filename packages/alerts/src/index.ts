export { createAlertEngine } from './engine/create-alert-engine.js';
export type {
  AlertEngine,
  AlertEngineOptions,
  AlertReceiver,
  AlertSnapshot,
  EngineState,
  EvaluationResult,
  RuleStateSnapshot,
} from './engine/create-alert-engine.js';
export type { MeterProviderLike } from './engine/telemetry.js';
export type { RegressionRuleInput, RegressionSeriesState, Trend } from './regressions/regression-tracker.js';
export type { AlertState } from './engine/alert-state.js';
export { createAlertRouter } from './routing/create-alert-router.js';
export type {
  AlertGroupState,
  AlertRouter,
  NotificationDeliveredEvent,
  NotificationEvent,
  NotificationEventType,
  NotificationFailedEvent,
  RouterAlertInput,
  RouterSnapshot,
} from './routing/router-types.js';
export type { AlertRouterOptions, ReceiverRetryOptions } from './routing/router-options.js';
export type { ReceiverConfig, ReceiverInput } from './routing/receivers.js';
export type { TimeMute } from './routing/time-mute.js';
export { parseTimeIntervals } from './routing/time-intervals.js';
export type {
  NamedTimeIntervalInput,
  TimeIntervals,
  TimeIntervalSpec,
  TimeIntervalsInput,
  TimeRangeInput,
} from './routing/time-intervals.js';
export type { RouteInput } from './routing/route-tree.js';
export type { InhibitRuleInput } from './routing/inhibitor.js';
export type { Silence, SilenceOptions } from './routing/silences.js';
export { parseMatchers } from './routing/matchers.js';
export type { Matcher, MatcherInput, MatchOperator } from './routing/matchers.js';
export type { LabelRegex } from './promql/regex.js';
export type { NotificationLogEntry } from './routing/notify-decision.js';
export { loadRules } from './rules/load-rules.js';
export type {
  AlertingRule,
  ErrorHandling,
  LoadedRules,
  NoDataHandling,
  RecordingRule,
  RuleFileInput,
  RuleGroup,
  RuleGroupInput,
  RuleInput,
  TelltaleRuleSettings,
} from './rules/load-rules.js';
export { createSeriesStore } from './store/series-store.js';
export type { CollectedSample, SeriesSource, SeriesStore, SeriesStoreOptions } from './store/series-store.js';
export { otelSeriesSource, resourceMetricsToSamples } from './store/otel-series-source.js';
export type { CollectingReader, OtelSeriesSourceOptions } from './store/otel-series-source.js';
export type { Labels } from './store/labels.js';
export { query } from './promql/query.js';
export type { QueryValue, Sample } from './promql/values.js';
export { compileTemplate } from './templates/template.js';
export type { CompiledTemplate, TemplateData } from './templates/template.js';
export { humanize, humanize1024, humanizeDuration, humanizePercentage } from './templates/humanize.js';
export { testRules } from './tooling/test-rules.js';
export type { RuleTestResult } from './tooling/test-rules.js';
export { expandSeriesValues } from './tooling/series-notation.js';
export type { InputValue } from './tooling/series-notation.js';
export { exportPrometheusRules } from './tooling/export-rules.js';
