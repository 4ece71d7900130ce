import { createRequire } from 'node:module';
import { createNoopMeter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { noopMeterProvider, telemetrySource, type MeterProviderLike } from '@telltale/core';

/** Instrumentation scope name of every instrument this package creates. */
export const METER_NAME = '@telltale/metrics';

// Core's telemetry kit: the one place that finds the global provider (through the API this
// package resolves) and tells a recording meter from the API's no-op one.
const source = telemetrySource({ scope: METER_NAME, require: createRequire(import.meta.url) });

// What `meterProvider: false` builds on: the API's no-op meter (it has every instrument kind the
// builders use, observable up-down counters included) and a provider of its own, so the
// per-provider caches and the producer registry never see a real provider.
const disabledMeter: Meter = createNoopMeter();
const disabledProvider: MeterProvider = Object.freeze({ getMeter: () => disabledMeter });

/** Instruments built for one meter provider, and whether that provider records at all. */
export interface InstrumentState<T> {
  readonly instruments: T;
  /** False for the API's no-op provider (no SDK registered) and for `meterProvider: false`. */
  readonly recording: boolean;
}

/**
 * Returns a getter for instruments bound to `explicit`, or else to the
 * *current* global meter provider: the API has no proxy meter provider, so a
 * middleware created before the SDK registers would otherwise stay a no-op
 * forever. The global lookup (core's `TelemetrySource.globalProvider`) is a
 * property read; instruments are rebuilt only when the provider changes.
 * With `false` the instruments are built once on a no-op meter, `recording`
 * is false, and the global provider is never looked up.
 */
export function instrumentSource<T>(
  explicit: MeterProviderLike | false | undefined,
  build: (meter: Meter, provider: MeterProvider) => T,
): () => InstrumentState<T> {
  if (explicit === false) {
    let disabled: InstrumentState<T> | undefined;
    return () => (disabled ??= { instruments: build(disabledMeter, disabledProvider), recording: false });
  }
  let provider: MeterProvider | undefined;
  let state: InstrumentState<T> | undefined;
  return () => {
    // The API is a required peer, so the global provider is always there; the no-op
    // provider stands in only if it could not be loaded at all. An explicit provider is any
    // structural `MeterProviderLike`; the builders use it as an identity key and for `getMeter`.
    const current = (explicit ?? source.globalProvider() ?? noopMeterProvider) as MeterProvider;
    if (current !== provider || state === undefined) {
      provider = current;
      const resolved = source.meter(current);
      // A meter that does not record may be core's no-op one (or any structural `MeterLike`),
      // which lacks the observable instruments some builders create: build those on the API's
      // no-op meter, which has every instrument kind.
      const meter = resolved.recording ? (resolved.meter as Meter) : disabledMeter;
      state = { instruments: build(meter, current), recording: resolved.recording };
    }
    return state;
  };
}
