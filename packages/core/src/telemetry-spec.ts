import type { CounterLike, HistogramLike, ObservableGaugeLike } from './telemetry-types.js';

/**
 * One instrument a package declares: kind, OpenTelemetry name, unit, description and, for
 * histograms, bucket boundaries. Build it with {@link counter}, {@link upDownCounter},
 * {@link histogram} or {@link gauge}.
 *
 * @example
 * ```ts
 * import type { InstrumentSpec } from '@telltale/core';
 * const spec: InstrumentSpec = { kind: 'counter', name: 'telltale.example.jobs', unit: '{job}', description: 'Jobs run' };
 * ```
 */
export interface InstrumentSpec {
  readonly kind: 'counter' | 'up-down-counter' | 'histogram' | 'gauge';
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Explicit bucket boundaries (histograms only), passed as the API's `advice`. */
  readonly buckets?: readonly number[];
}

/**
 * What every instrument states besides its name: its unit (UCUM) and a description.
 *
 * @example
 * ```ts
 * import type { InstrumentDetails } from '@telltale/core';
 * const details: InstrumentDetails = { unit: '{job}', description: 'Jobs run' };
 * ```
 */
export interface InstrumentDetails {
  readonly unit: string;
  readonly description: string;
}

/**
 * The instruments built from a table of {@link InstrumentSpec}s, keyed like the table.
 *
 * @example
 * ```ts
 * import { counter, type Instruments } from '@telltale/core';
 * const SPECS = { jobs: counter('telltale.example.jobs', { unit: '{job}', description: 'Jobs run' }) };
 * type ExampleInstruments = Instruments<typeof SPECS>; // { jobs: CounterLike }
 * ```
 */
export type Instruments<S extends Record<string, InstrumentSpec>> = {
  readonly [K in keyof S]: S[K]['kind'] extends 'histogram'
    ? HistogramLike
    : S[K]['kind'] extends 'gauge'
      ? ObservableGaugeLike
      : CounterLike;
};

/**
 * Declares a monotonic counter.
 *
 * @example
 * ```ts
 * import { counter } from '@telltale/core';
 * const jobs = counter('telltale.example.jobs', { unit: '{job}', description: 'Jobs run' });
 * ```
 */
export function counter(name: string, details: InstrumentDetails): InstrumentSpec & { kind: 'counter' } {
  return { kind: 'counter', name, ...details };
}

/**
 * Declares an up-down counter (a sum that can go down, such as open connections).
 *
 * @example
 * ```ts
 * import { upDownCounter } from '@telltale/core';
 * const open = upDownCounter('telltale.example.connections', { unit: '{connection}', description: 'Open streams' });
 * ```
 */
export function upDownCounter(name: string, details: InstrumentDetails): InstrumentSpec & { kind: 'up-down-counter' } {
  return { kind: 'up-down-counter', name, ...details };
}

/**
 * Declares a histogram, with explicit bucket boundaries when `buckets` is given.
 *
 * @example
 * ```ts
 * import { histogram } from '@telltale/core';
 * const duration = histogram('telltale.example.duration', { unit: 's', description: 'Run time', buckets: [0.1, 1, 10] });
 * ```
 */
export function histogram(
  name: string,
  details: InstrumentDetails & { readonly buckets?: readonly number[] },
): InstrumentSpec & { kind: 'histogram' } {
  return { kind: 'histogram', name, ...details };
}

/**
 * Declares an observable gauge, read through `Telemetry.observe` or `observeBatch` at collection.
 *
 * @example
 * ```ts
 * import { gauge } from '@telltale/core';
 * const depth = gauge('telltale.example.queue.depth', { unit: '{job}', description: 'Jobs waiting' });
 * ```
 */
export function gauge(name: string, details: InstrumentDetails): InstrumentSpec & { kind: 'gauge' } {
  return { kind: 'gauge', name, ...details };
}
