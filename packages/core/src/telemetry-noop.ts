import type { MeterLike, MeterProviderLike } from './telemetry-types.js';

const noopInstrument = { add() {}, record() {}, addCallback() {}, removeCallback() {} };

/**
 * A meter whose instruments do nothing: what telemetry runs on when it is disabled (`false`) or
 * when the package's `@opentelemetry/api` peer is not installed. One shared object, so nothing is
 * allocated per package or per call.
 *
 * @example
 * ```ts
 * import { noopMeter } from '@telltale/core';
 * noopMeter.createCounter('telltale.example.events').add(1); // records nothing
 * ```
 */
export const noopMeter: MeterLike = Object.freeze({
  createCounter: () => noopInstrument,
  createUpDownCounter: () => noopInstrument,
  createHistogram: () => noopInstrument,
  createObservableGauge: () => noopInstrument,
  addBatchObservableCallback() {},
  removeBatchObservableCallback() {},
});

/**
 * A meter provider handing out {@link noopMeter}: pass it where a provider is required and
 * nothing should be recorded.
 *
 * @example
 * ```ts
 * import { noopMeterProvider } from '@telltale/core';
 * noopMeterProvider.getMeter('@telltale/example').createHistogram('x').record(1); // records nothing
 * ```
 */
export const noopMeterProvider: MeterProviderLike = Object.freeze({ getMeter: () => noopMeter });
