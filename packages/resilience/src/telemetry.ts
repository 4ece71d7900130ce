import { createRequire } from 'node:module';
import {
  counter,
  gauge,
  histogram,
  noopMeter,
  noopMeterProvider,
  telemetrySource,
  type CounterLike,
  type HistogramLike,
  type MeterProviderLike,
} from '@telltale/core';

/** Something whose state the breaker-state gauge reports. */
export interface ObservedBreaker {
  readonly name: string;
  readonly state: string;
}

/** The states the gauge reports, one series each (1 for the current state, else 0). */
export const BREAKER_STATES = ['closed', 'open', 'half-open', 'isolated'] as const;

const source = telemetrySource({ scope: '@telltale/resilience', require: createRequire(import.meta.url) });
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
// prettier-ignore
const INSTRUMENTS = {
  events: counter('telltale.resilience.events', { unit: '{event}', description: 'Resilience events (retries, timeouts, rejections, breaker transitions, ...)' }),
  attemptDuration: histogram('telltale.resilience.attempt.duration', { unit: 's', description: 'Duration of each attempt of an operation executed through a resilience pipeline', buckets: ATTEMPT_BUCKETS }),
  breakerState: gauge('telltale.resilience.breaker.state', { unit: '1', description: 'Circuit breaker state: 1 for the current state, 0 for the others' }),
};

interface Instruments {
  readonly events: CounterLike;
  readonly attemptDuration: HistogramLike;
  /** False while the meter is the API's no-op: callers skip timing work entirely. */
  readonly recording: boolean;
}

interface RegisteredBreaker {
  readonly reference: WeakRef<ObservedBreaker>;
  readonly provider: MeterProviderLike | undefined;
}

/** What a pipeline or breaker with `meterProvider: false` records on: nothing, and nothing is registered. */
const DISABLED: Instruments = Object.freeze({
  events: noopMeter.createCounter(INSTRUMENTS.events.name),
  attemptDuration: noopMeter.createHistogram(INSTRUMENTS.attemptDuration.name),
  recording: false,
});
const disabled = (): Instruments => DISABLED;
const unregistered = (): void => {};

/**
 * Every live breaker, for the one gauge per provider (a breaker has no telemetry object of its
 * own). Weakly held so a breaker that is never closed can still be collected.
 */
const breakers = new Set<RegisteredBreaker>();

/**
 * Makes `breaker` visible to the `telltale.resilience.breaker.state` gauge of
 * `provider` (or of whichever provider is global when collected). Returns the
 * unregister function, which the breaker's `close()` calls. With `false` the
 * breaker is not registered anywhere and no gauge is created.
 */
export function registerBreaker(breaker: ObservedBreaker, provider: MeterProviderLike | false | undefined): () => void {
  if (provider === false) return unregistered;
  const entry: RegisteredBreaker = { reference: new WeakRef(breaker), provider };
  breakers.add(entry);
  // Make sure the gauge exists for this provider (once per provider, not per breaker).
  if (provider === undefined) globalResolver();
  else if (!byProvider.has(provider)) telemetryFor(provider)();
  return () => breakers.delete(entry);
}

const byProvider = new WeakMap<MeterProviderLike, Instruments>();
let globalResolverCache: (() => Instruments) | undefined;
const globalResolver = (): Instruments => (globalResolverCache ??= telemetryFor(undefined))();

function create(provider: MeterProviderLike): Instruments {
  const telemetry = source.open(provider, INSTRUMENTS);
  const { events, attemptDuration, breakerState } = telemetry.instruments;
  telemetry.observe(breakerState, (result) => {
    const isGlobal = provider === source.globalProvider();
    for (const entry of breakers) {
      const breaker = entry.reference.deref();
      if (!breaker) {
        breakers.delete(entry);
        continue;
      }
      if (entry.provider !== provider && !(entry.provider === undefined && isGlobal)) continue;
      const current = breaker.state;
      for (const state of BREAKER_STATES) {
        result.observe(state === current ? 1 : 0, { 'strategy.name': breaker.name, 'breaker.state': state });
      }
    }
  });
  return { events, attemptDuration, recording: telemetry.recording };
}

/**
 * Resolves the instruments for an optional provider (default: the global
 * one). The global provider is looked up on each call (a property read, as
 * `@telltale/metrics` does per request) and instruments are rebuilt only when
 * it changes, so pipelines built before the SDK starts report once it does,
 * and report on the new provider (or stop) when it is replaced at runtime
 * (`setGlobalMeterProvider`, `metrics.disable()`). With `false` nothing is
 * created or registered: the instruments are no-ops and `recording` is false.
 */
export function telemetryFor(provider: MeterProviderLike | false | undefined): () => Instruments {
  if (provider === false) return disabled;
  if (provider !== undefined) {
    let own: Instruments | undefined;
    return () => (own ??= instrumentsOf(provider));
  }
  let resolvedFor: MeterProviderLike | undefined;
  let cached: Instruments | undefined;
  return () => {
    // Without the API installed there is no global provider: the no-op one stands in.
    const current = source.globalProvider() ?? noopMeterProvider;
    if (cached === undefined || current !== resolvedFor) {
      resolvedFor = current;
      cached = instrumentsOf(current);
    }
    return cached;
  };
}

/** The instruments of `provider`, created once per provider (its breaker-state gauge included). */
function instrumentsOf(provider: MeterProviderLike): Instruments {
  let instruments = byProvider.get(provider);
  if (!instruments) {
    instruments = create(provider);
    byProvider.set(provider, instruments);
  }
  return instruments;
}
