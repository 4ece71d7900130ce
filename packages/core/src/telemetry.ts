import { noopMeter } from './telemetry-noop.js';
import type { InstrumentSpec, Instruments } from './telemetry-spec.js';
import type {
  BatchObservableCallbackLike,
  CounterLike,
  HistogramLike,
  MeterLike,
  MeterProviderLike,
  ObservableCallbackLike,
  ObservableGaugeLike,
} from './telemetry-types.js';

/**
 * A package's open telemetry: its instruments, the callbacks it observes, and `close()`.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { gauge, telemetrySource, type Telemetry } from '@telltale/core';
 * const SPECS = { depth: gauge('acme.depth', { unit: '{job}', description: 'Jobs waiting' }) };
 * const source = telemetrySource({ scope: '@acme/app', require: createRequire(import.meta.url) });
 * const telemetry: Telemetry<typeof SPECS> = source.open(undefined, SPECS);
 * telemetry.observe(telemetry.instruments.depth, (result) => result.observe(0));
 * telemetry.close();
 * ```
 */
export interface Telemetry<S extends Record<string, InstrumentSpec>> {
  readonly instruments: Instruments<S>;
  /** False on the no-op meter (disabled, no API installed, or the API without an SDK). */
  readonly recording: boolean;
  /** Reads `callback` into `gauge` at every collection, until {@link Telemetry.close}. */
  observe(gauge: ObservableGaugeLike, callback: ObservableCallbackLike): void;
  /** Reads `callback` into several gauges at every collection, until {@link Telemetry.close}. */
  observeBatch(gauges: ObservableGaugeLike[], callback: BatchObservableCallbackLike): void;
  /** Removes every callback this object registered; instruments keep working. Idempotent. */
  close(): void;
}

/**
 * Options of {@link telemetrySource}.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import type { TelemetrySourceOptions } from '@telltale/core';
 * const options: TelemetrySourceOptions = { scope: '@acme/app', require: createRequire(import.meta.url) };
 * ```
 */
export interface TelemetrySourceOptions {
  /** Instrumentation scope name, the package name (`'@telltale/health'`). */
  scope: string;
  /**
   * `createRequire(import.meta.url)` of the package that declares the `@opentelemetry/api` peer.
   * Under pnpm's strict layout only that package can resolve its peer; core cannot.
   */
  require: (id: string) => unknown;
}

/**
 * Where one package's meters come from.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { telemetrySource, type TelemetrySource } from '@telltale/core';
 * const source: TelemetrySource = telemetrySource({ scope: '@acme/app', require: createRequire(import.meta.url) });
 * source.meter(false).recording; // false: disabled
 * ```
 */
export interface TelemetrySource {
  readonly scope: string;
  /** The global provider of the package's `@opentelemetry/api`, or undefined when the API is not installed. */
  globalProvider(): MeterProviderLike | undefined;
  /** The scope's meter on `meterProvider` (default: the global one); the no-op meter for `false` or no API. */
  meter(meterProvider?: MeterProviderLike | false): { meter: MeterLike; recording: boolean };
  /** Builds the instruments of `specs` on the meter {@link TelemetrySource.meter} resolves. */
  open<S extends Record<string, InstrumentSpec>>(
    meterProvider: MeterProviderLike | false | undefined,
    specs: S,
  ): Telemetry<S>;
}

interface MetricsApi {
  metrics: { getMeterProvider(): MeterProviderLike };
  createNoopMeter(): object;
}

/**
 * Creates a package's telemetry source: resolves a meter from an explicit provider, `false`
 * (disabled) or the global provider of the `@opentelemetry/api` the package itself resolves, and
 * builds instruments whose callbacks one `close()` removes. Without the API installed every
 * instrument is a no-op and nothing throws.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { counter, gauge, telemetrySource } from '@telltale/core';
 *
 * const source = telemetrySource({ scope: '@telltale/example', require: createRequire(import.meta.url) });
 * const telemetry = source.open(undefined, {
 *   jobs: counter('telltale.example.jobs', { unit: '{job}', description: 'Jobs run' }),
 *   depth: gauge('telltale.example.depth', { unit: '{job}', description: 'Jobs waiting' }),
 * });
 * telemetry.instruments.jobs.add(1, { outcome: 'success' });
 * telemetry.observe(telemetry.instruments.depth, (result) => result.observe(3));
 * telemetry.close(); // the depth callback is no longer read
 * ```
 */
export function telemetrySource(options: TelemetrySourceOptions): TelemetrySource {
  const { scope } = options;
  let api: MetricsApi | null | undefined;
  let apiNoopMeterClass: unknown;
  // Read once: the API's CommonJS build exposes `metrics` through a chain of re-export getters,
  // and @telltale/metrics looks the global provider up on every request.
  let globalMetrics: MetricsApi['metrics'] | undefined;
  const loadApi = (): MetricsApi | null => {
    if (api !== undefined) return api;
    try {
      // The peer is optional: without it there is simply no telemetry.
      api = options.require('@opentelemetry/api') as MetricsApi;
      apiNoopMeterClass = api.createNoopMeter().constructor;
      globalMetrics = api.metrics;
    } catch {
      api = null;
    }
    return api;
  };
  const globalProvider = (): MeterProviderLike | undefined => {
    if (api === undefined) loadApi();
    return globalMetrics?.getMeterProvider();
  };
  const meter = (meterProvider?: MeterProviderLike | false): { meter: MeterLike; recording: boolean } => {
    const provider = meterProvider === false ? undefined : (meterProvider ?? globalProvider());
    if (!provider) return { meter: noopMeter, recording: false };
    const found = provider.getMeter(scope);
    loadApi();
    return { meter: found, recording: found !== noopMeter && found.constructor !== apiNoopMeterClass };
  };
  return {
    scope,
    globalProvider,
    meter,
    open(meterProvider, specs) {
      const resolved = meter(meterProvider);
      return openTelemetry(resolved.meter, resolved.recording, specs);
    },
  };
}

function openTelemetry<S extends Record<string, InstrumentSpec>>(
  meter: MeterLike,
  recording: boolean,
  specs: S,
): Telemetry<S> {
  const instruments: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) instruments[key] = createInstrument(meter, spec);
  const removals: (() => void)[] = [];
  return {
    instruments: instruments as Instruments<S>,
    recording,
    observe(gauge, callback) {
      gauge.addCallback(callback);
      removals.push(() => gauge.removeCallback(callback));
    },
    observeBatch(gauges, callback) {
      meter.addBatchObservableCallback(callback, gauges);
      removals.push(() => meter.removeBatchObservableCallback(callback, gauges));
    },
    close() {
      for (const remove of removals.splice(0)) remove();
    },
  };
}

function createInstrument(meter: MeterLike, spec: InstrumentSpec): CounterLike | HistogramLike | ObservableGaugeLike {
  const options = { description: spec.description, unit: spec.unit };
  switch (spec.kind) {
    case 'counter':
      return meter.createCounter(spec.name, options);
    case 'up-down-counter':
      return meter.createUpDownCounter(spec.name, options);
    case 'gauge':
      return meter.createObservableGauge(spec.name, options);
    case 'histogram':
      return meter.createHistogram(
        spec.name,
        spec.buckets ? { ...options, advice: { explicitBucketBoundaries: [...spec.buckets] } } : options,
      );
  }
}
