import {
  createNoopMeter,
  metrics,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableResult,
} from '@opentelemetry/api';
import { systemClock } from '@telltale/core';

const SCOPE = '@telltale/resilience';
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');
/** How often a pipeline created before the SDK re-checks the global provider. */
const RECHECK_MILLISECONDS = 1_000;

/** Something whose state the breaker-state gauge reports. */
export interface ObservedBreaker {
  readonly name: string;
  readonly state: string;
}

/** The states the gauge reports, one series each (1 for the current state, else 0). */
export const BREAKER_STATES = ['closed', 'open', 'half-open', 'isolated'] as const;

interface Instruments {
  readonly events: Counter;
  readonly attemptDuration: Histogram;
  /** False while the meter is the API's no-op: callers skip timing work entirely. */
  readonly recording: boolean;
}

interface RegisteredBreaker {
  readonly reference: WeakRef<ObservedBreaker>;
  readonly provider: MeterProvider | undefined;
}

/** Every live breaker; weakly held so a forgotten breaker can still be collected. */
const breakers = new Set<RegisteredBreaker>();

/**
 * Makes `breaker` visible to the `telltale.resilience.breaker.state` gauge of
 * `provider` (or of whichever provider is global when collected). Returns the
 * unregister function.
 */
export function registerBreaker(breaker: ObservedBreaker, provider: MeterProvider | undefined): () => void {
  const entry: RegisteredBreaker = { reference: new WeakRef(breaker), provider };
  breakers.add(entry);
  // Make sure the gauge exists for this provider (once per provider, not per breaker).
  if (provider === undefined) globalResolver();
  else if (!byProvider.has(provider)) telemetryFor(provider)();
  return () => breakers.delete(entry);
}

const byProvider = new WeakMap<MeterProvider, Instruments>();
let globalResolverCache: (() => Instruments) | undefined;
const globalResolver = (): Instruments => (globalResolverCache ??= telemetryFor(undefined))();

function create(provider: MeterProvider, meter: Meter): Instruments {
  const attemptDuration = meter.createHistogram('telltale.resilience.attempt.duration', {
    description: 'Duration of each attempt of an operation executed through a resilience pipeline',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
  });
  const instruments: Instruments = {
    events: meter.createCounter('telltale.resilience.events', {
      description: 'Resilience events (retries, timeouts, rejections, breaker transitions, ...)',
      unit: '{event}',
    }),
    attemptDuration,
    recording: attemptDuration !== NOOP_HISTOGRAM,
  };
  meter
    .createObservableGauge('telltale.resilience.breaker.state', {
      description: 'Circuit breaker state: 1 for the current state, 0 for the others',
      unit: '1',
    })
    .addCallback((result: ObservableResult) => {
      const isGlobal = provider === metrics.getMeterProvider();
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
  return instruments;
}

/**
 * Resolves the instruments for an optional provider (default: the global
 * one). While only the no-op provider is registered, the lookup is repeated
 * at most once a second, so pipelines built before the SDK starts still
 * report once it does.
 */
export function telemetryFor(provider: MeterProvider | undefined): () => Instruments {
  let cached: Instruments | undefined;
  let seen = -1;
  return () => {
    if (cached?.recording) return cached;
    // A generation counter bumped by one shared timer: reading the clock on every call would
    // cost more than the no-op instruments it guards.
    if (cached && seen === generation) return cached;
    seen = generation;
    const resolved = provider ?? metrics.getMeterProvider();
    let instruments = byProvider.get(resolved);
    if (!instruments) {
      instruments = create(resolved, resolved.getMeter(SCOPE));
      byProvider.set(resolved, instruments);
    }
    cached = instruments;
    if (!instruments.recording) scheduleRecheck();
    return instruments;
  };
}

let generation = 0;
let recheckScheduled = false;

function scheduleRecheck(): void {
  if (recheckScheduled) return;
  recheckScheduled = true;
  systemClock.setTimeout(
    () => {
      recheckScheduled = false;
      generation++;
    },
    RECHECK_MILLISECONDS,
    { background: true },
  );
}
