import { createNoopMeter, metrics, type Meter, type MeterProvider } from '@opentelemetry/api';

/** Instrumentation scope name of every instrument this package creates. */
export const METER_NAME = '@telltale/metrics';

const NOOP_METER_CLASS: unknown = createNoopMeter().constructor;

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
 * forever. The global lookup is a property read; instruments are rebuilt
 * only when the provider changes.
 */
export function instrumentSource<T>(
  explicit: MeterProvider | undefined,
  build: (meter: Meter, provider: MeterProvider) => T,
): () => InstrumentState<T> {
  let provider: MeterProvider | undefined;
  let state: InstrumentState<T> | undefined;
  return () => {
    const current = explicit ?? metrics.getMeterProvider();
    if (current !== provider || state === undefined) {
      provider = current;
      const meter = current.getMeter(METER_NAME);
      state = { instruments: build(meter, current), recording: meter.constructor !== NOOP_METER_CLASS };
    }
    return state;
  };
}
