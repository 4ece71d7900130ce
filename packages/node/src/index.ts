export { startTelemetry } from './start-telemetry.js';
export type { Telemetry } from './start-telemetry.js';
export type { StartTelemetryOptions, PrometheusOptions, OtlpOptions, InstrumentationsOptions } from './options.js';
export { serializePrometheusText } from './prometheus-text.js';
export type { PrometheusTextOptions } from './prometheus-text.js';
