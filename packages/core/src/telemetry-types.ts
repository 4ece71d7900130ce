// The slice of `@opentelemetry/api`'s metrics interfaces Telltale uses, written out structurally so
// that core (which does not depend on the API) can describe it, and so that a meter provider from
// the API, from `@opentelemetry/sdk-metrics` or from any other copy of either fits.

/**
 * Attributes recorded on Telltale's instruments (bounded, low-cardinality values).
 *
 * @example
 * ```ts
 * import type { MetricAttributes } from '@telltale/core';
 * const attributes: MetricAttributes = { channel: 'email', outcome: 'delivered' };
 * ```
 */
export type MetricAttributes = Record<string, string | number | boolean | undefined>;

/** What an instrument is created with: OpenTelemetry's `MetricOptions` as far as Telltale uses it. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/**
 * A counter or up-down counter.
 *
 * @example
 * ```ts
 * import { noopMeter, type CounterLike } from '@telltale/core';
 * const deliveries: CounterLike = noopMeter.createCounter('telltale.example.deliveries');
 * deliveries.add(1, { outcome: 'delivered' });
 * ```
 */
export interface CounterLike {
  add(value: number, attributes?: MetricAttributes): void;
}

/**
 * A histogram.
 *
 * @example
 * ```ts
 * import { noopMeter, type HistogramLike } from '@telltale/core';
 * const duration: HistogramLike = noopMeter.createHistogram('telltale.example.duration', { unit: 's' });
 * duration.record(0.25);
 * ```
 */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributes): void;
}

/** What one observable callback writes to. */
export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributes): void;
}

/** A callback read at each collection. */
export type ObservableCallbackLike = (result: ObservableResultLike) => void | Promise<void>;

/**
 * An observable gauge; its callbacks are read at each collection.
 *
 * @example
 * ```ts
 * import { noopMeter, type ObservableGaugeLike } from '@telltale/core';
 * const depth: ObservableGaugeLike = noopMeter.createObservableGauge('telltale.example.depth');
 * const read = (result: { observe(value: number): void }) => result.observe(3);
 * depth.addCallback(read);
 * depth.removeCallback(read);
 * ```
 */
export interface ObservableGaugeLike {
  addCallback(callback: ObservableCallbackLike): void;
  removeCallback(callback: ObservableCallbackLike): void;
}

/** What one batch callback writes to: several gauges in one pass over the same state. */
export interface BatchObservableResultLike {
  observe(observable: ObservableGaugeLike, value: number, attributes?: MetricAttributes): void;
}

/** A callback read at each collection for several gauges at once. */
export type BatchObservableCallbackLike = (result: BatchObservableResultLike) => void | Promise<void>;

/**
 * A meter: OpenTelemetry's `Meter` as far as Telltale uses it.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import type { MeterLike } from '@telltale/core';
 * const meter: MeterLike = metrics.getMeterProvider().getMeter('@acme/app');
 * ```
 */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createUpDownCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableGaugeLike;
  addBatchObservableCallback(callback: BatchObservableCallbackLike, observables: ObservableGaugeLike[]): void;
  removeBatchObservableCallback(callback: BatchObservableCallbackLike, observables: ObservableGaugeLike[]): void;
}

/**
 * The meter provider every Telltale package accepts as `meterProvider`: structurally the part of
 * `@opentelemetry/api`'s `MeterProvider` Telltale uses, so `metrics.getMeterProvider()`, an
 * `@opentelemetry/sdk-metrics` `MeterProvider` or `startTelemetry().meterProvider` all fit, and a
 * package whose API peer is absent still type-checks.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import type { MeterProviderLike } from '@telltale/core';
 * const meterProvider: MeterProviderLike = metrics.getMeterProvider();
 * ```
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike;
}
