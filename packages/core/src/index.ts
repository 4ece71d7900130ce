export { TelltaleError, TelltaleConfigError, describeValue } from './errors.js';
export type { TelltaleErrorCode, TelltaleErrorOptions, ConfigErrorDetails } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export type { DurationInput } from './duration.js';
export { systemClock, createManualClock } from './clock.js';
export type { Clock, ManualClock, TimerHandle, TimerOptions } from './clock.js';
export { delay, abortError } from './delay.js';
export type { DelayOptions } from './delay.js';
export { exponential, constant, backoffFromOptions } from './backoff.js';
export type { Backoff, BackoffOptionsInput, ExponentialOptions, Jitter } from './backoff.js';
export { silentLogger, resolveLogger } from './logger.js';
export type { Logger, LogMethod } from './logger.js';
export { createEmitter } from './events.js';
export type { Disposable, Emitter } from './events.js';
export { options } from './options.js';
export { renamedOption } from './renamed-option.js';
export { redactSecrets } from './redact.js';
export { describeError } from './error-text.js';
export type { DescribeErrorOptions } from './error-text.js';
export { isLoopbackAddress, isLoopbackOrIpHost, isLoopbackRequest, hostnameOf } from './loopback.js';
export type { RequestLike } from './loopback.js';
export { processIo } from './cli-io.js';
export type { CliIo } from './cli-io.js';
export { timeZoneOption, zonedTime } from './time-zone.js';
export type { ZonedTime } from './time-zone.js';
export { parseAlertGroup, ALERT_ZERO_TIME } from './alert-group.js';
export type { AlertGroup, Alert, AlertStatus, LabelSet } from './alert-group.js';
export { telemetrySource } from './telemetry.js';
export type { Telemetry, TelemetrySource, TelemetrySourceOptions } from './telemetry.js';
export { counter, upDownCounter, histogram, gauge } from './telemetry-spec.js';
export type { InstrumentSpec, InstrumentDetails, Instruments } from './telemetry-spec.js';
export { noopMeter, noopMeterProvider } from './telemetry-noop.js';
export type {
  MeterProviderLike,
  MeterLike,
  CounterLike,
  HistogramLike,
  ObservableGaugeLike,
  MetricAttributes,
} from './telemetry-types.js';
