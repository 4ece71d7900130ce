import type { MeterProvider } from '@opentelemetry/api';
import { MetricReader, type CollectionResult, type MetricProducer } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that only collects when asked (`collect()`), for
 * in-process consumers such as `@telltale/alerts`' `otelSeriesSource`.
 * Used when the Prometheus exporter (itself a pull reader) is disabled.
 */
export class PullMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

// The protocol `@telltale/metrics` looks for (no package dependency either
// way): a provider whose readers all carry this slot gets the recorders'
// pre-aggregated producers added to it on first use.
const SLOTS = Symbol.for('telltale.metrics.producerSlots');

/** A `MetricProducer` every reader carries, delegating to producers added once the provider exists. */
export interface ProducerSlot extends MetricProducer {
  readonly producers: MetricProducer[];
}

/** Creates an empty slot to pass in every reader's `metricProducers`. */
export function createProducerSlot(): ProducerSlot {
  const producers: MetricProducer[] = [];
  return {
    producers,
    async collect(options) {
      const results: CollectionResult[] = await Promise.all(producers.map((producer) => producer.collect(options)));
      return {
        resourceMetrics: {
          resource: undefined as never,
          scopeMetrics: results.flatMap((result) => result.resourceMetrics.scopeMetrics),
        },
        errors: results.flatMap((result) => result.errors),
      };
    },
  };
}

/** Announces `slot` for `meterProvider` (after the SDK created it). */
export function registerProducerSlot(meterProvider: MeterProvider, slot: ProducerSlot): void {
  const registry = ((globalThis as Record<symbol, unknown>)[SLOTS] ??= new WeakMap<object, ProducerSlot>()) as WeakMap<
    object,
    ProducerSlot
  >;
  registry.set(meterProvider, slot);
}
