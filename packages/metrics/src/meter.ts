import { createRequire } from 'node:module';
import type { Meter, MeterProvider } from '@opentelemetry/api';
import { noopMeterProvider, telemetrySource } from '@telltale/core';

/** Instrumentation scope name of every instrument this package creates. */
export const METER_NAME = '@telltale/metrics';

// Core's telemetry kit: the one place that finds the global provider (through the API this
// package resolves) and tells a recording meter from the API's no-op one.
const source = telemetrySource({ scope: METER_NAME, require: createRequire(import.meta.url) });

/** Instruments built for one meter provider, and whether that provider records at all. */
export interface InstrumentState<T> {
  readonly instruments: T;
  /** False for the API's no-op provider (no SDK registered). */
  readonly recording: boolean;
}

/**
 * Returns a getter for instruments bound to `explicit`, or else to the
 * *current* global meter provider: the API has no proxy meter provider, so a
 * middleware created before the SDK registers would otherwise stay a no-op
 * forever. The global lookup (core's `TelemetrySource.globalProvider`) is a
 * property read; instruments are rebuilt only when the provider changes.
 */
export function instrumentSource<T>(
  explicit: MeterProvider | undefined,
  build: (meter: Meter, provider: MeterProvider) => T,
): () => InstrumentState<T> {
  let provider: MeterProvider | undefined;
  let state: InstrumentState<T> | undefined;
  return () => {
    // The API is a required peer, so the global provider is always there; the no-op
    // provider stands in only if it could not be loaded at all.
    const current = explicit ?? ((source.globalProvider() ?? noopMeterProvider) as MeterProvider);
    if (current !== provider || state === undefined) {
      provider = current;
      const resolved = source.meter(current);
      // An API meter (or core's no-op meter, which implements the same calls Telltale makes).
      state = { instruments: build(resolved.meter as Meter, current), recording: resolved.recording };
    }
    return state;
  };
}
