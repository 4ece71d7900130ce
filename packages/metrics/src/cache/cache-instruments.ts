import {
  ValueType,
  type Attributes,
  type HrTime,
  type Histogram,
  type Meter,
  type MeterProvider,
} from '@opentelemetry/api';
import type {
  CollectionResult,
  HistogramMetricData,
  InstrumentType,
  MetricDescriptor,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { METER_NAME } from '../meter.js';
import { CUMULATIVE, HISTOGRAM_INSTRUMENT, HISTOGRAM_POINT } from '../sdk-enums.js';
import { allCacheCounters, CACHE_LOOKUP_BUCKETS, CACHE_OUTCOMES, sizeOf } from './cache-counters.js';

const DURATION = 'telltale.cache.lookup.duration';
const DURATION_DESCRIPTION = 'Duration of cache lookups.';

/** What a cache wrapper records into for one meter provider. */
export interface CacheInstruments {
  /**
   * The SDK histogram to record each lookup on, or `undefined` when the
   * provider's readers collect our pre-aggregated durations instead.
   */
  readonly duration: Histogram | undefined;
}

// `@telltale/node`'s startTelemetry announces a producer slot on its readers
// under this symbol (no package dependency either way).
const SLOTS = Symbol.for('telltale.metrics.producerSlots');
interface ProducerSlot {
  readonly producers: MetricProducer[];
}

const perProvider = new WeakMap<MeterProvider, CacheInstruments>();

function hrTime(epochMilliseconds: number): HrTime {
  const seconds = Math.floor(epochMilliseconds / 1000);
  return [seconds, Math.round((epochMilliseconds - seconds * 1000) * 1e6)];
}

/** Exports the durations every cache pre-aggregated, once per collection. */
function durationProducer(): MetricProducer {
  return {
    collect(): Promise<CollectionResult> {
      const endTime = hrTime(Date.now());
      const dataPoints: HistogramMetricData['dataPoints'] = [];
      for (const statistics of allCacheCounters()) {
        CACHE_OUTCOMES.forEach((outcome, index) => {
          const durations = statistics.durations[index]!;
          if (durations.count === 0) return;
          dataPoints.push({
            attributes: { 'cache.name': statistics.name, outcome },
            startTime: hrTime(statistics.startedAt),
            endTime,
            value: {
              buckets: { boundaries: [...CACHE_LOOKUP_BUCKETS], counts: Array.from(durations.counts) },
              sum: durations.sum,
              count: durations.count,
              min: durations.min,
              max: durations.max,
            },
          });
        });
      }
      const descriptor: MetricDescriptor & { type: InstrumentType; advice: object } = {
        name: DURATION,
        type: HISTOGRAM_INSTRUMENT,
        description: DURATION_DESCRIPTION,
        unit: 's',
        valueType: ValueType.DOUBLE,
        advice: { explicitBucketBoundaries: [...CACHE_LOOKUP_BUCKETS] },
      };
      const metric: HistogramMetricData = {
        descriptor,
        aggregationTemporality: CUMULATIVE,
        dataPointType: HISTOGRAM_POINT,
        dataPoints,
      };
      const scopeMetrics =
        dataPoints.length === 0 ? [] : [{ scope: { name: METER_NAME, version: '' }, metrics: [metric] }];
      return Promise.resolve({
        resourceMetrics: {
          resource: undefined as unknown as CollectionResult['resourceMetrics']['resource'],
          scopeMetrics,
        },
        errors: [],
      });
    },
  };
}

function registerObservables(meter: Meter): void {
  const requests = meter.createObservableCounter('telltale.cache.requests', {
    description: 'Cache lookups by outcome (hit, miss, error).',
    unit: '{request}',
  });
  requests.addCallback((result) => {
    for (const statistics of allCacheCounters()) {
      const counts = [statistics.hits, statistics.misses, statistics.errors];
      CACHE_OUTCOMES.forEach((outcome, index) => {
        const attributes: Attributes = { 'cache.name': statistics.name, outcome };
        result.observe(counts[index]!, attributes);
      });
    }
  });
  const size = meter.createObservableGauge('telltale.cache.size', {
    description: 'Entries in the cache, where the cache reports it.',
    unit: '{entry}',
  });
  size.addCallback((result) => {
    for (const statistics of allCacheCounters()) {
      const entries = sizeOf(statistics);
      if (entries !== undefined) result.observe(entries, { 'cache.name': statistics.name });
    }
  });
}

/**
 * The instruments of `provider`, registered once per provider: observable
 * counters and gauges read the shared statistics at collection time, and
 * durations go through a pre-aggregating producer when the provider came
 * from `@telltale/node`'s `startTelemetry`, else onto an SDK histogram.
 */
export function cacheInstrumentsFor(provider: MeterProvider, meter: Meter): CacheInstruments {
  let instruments = perProvider.get(provider);
  if (instruments !== undefined) return instruments;
  registerObservables(meter);
  const slot = ((globalThis as Record<symbol, unknown>)[SLOTS] as WeakMap<object, ProducerSlot> | undefined)?.get(
    provider,
  );
  if (slot !== undefined) {
    slot.producers.push(durationProducer());
    instruments = { duration: undefined };
  } else {
    instruments = {
      duration: meter.createHistogram(DURATION, {
        description: DURATION_DESCRIPTION,
        unit: 's',
        advice: { explicitBucketBoundaries: [...CACHE_LOOKUP_BUCKETS] },
      }),
    };
  }
  perProvider.set(provider, instruments);
  return instruments;
}
