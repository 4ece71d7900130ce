import {
  ValueType,
  type Attributes,
  type Histogram,
  type HrTime,
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

/** The boundaries `@opentelemetry/instrumentation-pg` advises, so both sources bucket alike. */
export const DB_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] as const;

/** The SDK's default cardinality limit per metric stream: later attribute sets fold into one overflow series. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** Where one attribute set of a database histogram records: found once, then kept by the caller. */
export interface DbSeriesRecorder {
  record(seconds: number): void;
}

/** One database histogram (`db.client.operation.duration`, `db.client.connection.wait_time`) of a provider. */
export interface DbHistogram {
  /** The recorder of `attributes`; look it up once per attribute set and keep it. */
  series(attributes: Attributes): DbSeriesRecorder;
}

/** The database histograms of one meter provider, shared by every pool and Redis client on it. */
export interface DbHistograms {
  readonly operationDuration: DbHistogram;
  readonly waitTime: DbHistogram;
}

interface Definition {
  readonly name: string;
  readonly description: string;
}

const OPERATION_DURATION: Definition = {
  name: 'db.client.operation.duration',
  description: 'Duration of database client operations.',
};
const WAIT_TIME: Definition = {
  name: 'db.client.connection.wait_time',
  description: 'The time it took to obtain an open connection from the pool.',
};

/** A pre-aggregated series: bucket counts, sum, count, min and max of one attribute set. */
class AggregatedSeries implements DbSeriesRecorder {
  readonly startedAt = Date.now();
  readonly counts = new Float64Array(DB_DURATION_BUCKETS.length + 1);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(readonly attributes: Attributes) {}

  record(seconds: number): void {
    // NaN and negative values are dropped, as the SDK's histogram does.
    if (!(seconds >= 0)) return;
    let bucket = 0;
    while (bucket < DB_DURATION_BUCKETS.length && seconds > DB_DURATION_BUCKETS[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.count++;
    this.sum += seconds;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
  }
}

/** Records on the SDK's own histogram (no producer slot on this provider). */
class SdkSeries implements DbSeriesRecorder {
  constructor(
    private readonly histogram: Histogram,
    private readonly attributes: Attributes,
  ) {}

  record(seconds: number): void {
    this.histogram.record(seconds, this.attributes);
  }
}

/** A histogram aggregated here and handed to the readers at collection by {@link producerOf}. */
class AggregatedHistogram implements DbHistogram {
  /** Keyed by the attributes' JSON: pools on one database share series, as on the SDK's histogram. */
  private readonly byKey = new Map<string, AggregatedSeries>();
  readonly ordered: AggregatedSeries[] = [];
  private overflow: AggregatedSeries | undefined;

  constructor(readonly definition: Definition) {}

  series(attributes: Attributes): AggregatedSeries {
    const key = JSON.stringify(attributes);
    let series = this.byKey.get(key);
    if (series !== undefined) return series;
    if (this.byKey.size >= CARDINALITY_LIMIT - 1) {
      if (this.overflow === undefined) this.ordered.push((this.overflow = new AggregatedSeries(OVERFLOW)));
      return this.overflow;
    }
    series = new AggregatedSeries({ ...attributes });
    this.byKey.set(key, series);
    this.ordered.push(series);
    return series;
  }
}

function hrTime(epochMilliseconds: number): HrTime {
  const seconds = Math.floor(epochMilliseconds / 1000);
  return [seconds, Math.round((epochMilliseconds - seconds * 1000) * 1e6)];
}

function metricOf(histogram: AggregatedHistogram, endTime: HrTime): HistogramMetricData {
  const boundaries = [...DB_DURATION_BUCKETS];
  // What the SDK's instrument descriptor holds (type and advice included).
  const descriptor: MetricDescriptor & { type: InstrumentType; advice: object } = {
    name: histogram.definition.name,
    type: HISTOGRAM_INSTRUMENT,
    description: histogram.definition.description,
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [...boundaries] },
  };
  const dataPoints = histogram.ordered.map((series) => ({
    attributes: series.attributes,
    startTime: hrTime(series.startedAt),
    endTime,
    value: {
      buckets: { boundaries, counts: Array.from(series.counts) },
      sum: series.sum,
      count: series.count,
      min: series.count > 0 ? series.min : undefined,
      max: series.count > 0 ? series.max : undefined,
    },
  }));
  return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: HISTOGRAM_POINT, dataPoints };
}

/** Exports the pre-aggregated histograms once per collection (scrape, export). */
function producerOf(histograms: readonly AggregatedHistogram[]): MetricProducer {
  return {
    collect(): Promise<CollectionResult> {
      const endTime = hrTime(Date.now());
      const metrics = histograms
        .filter((histogram) => histogram.ordered.length > 0)
        .map((histogram) => metricOf(histogram, endTime));
      const scopeMetrics = metrics.length === 0 ? [] : [{ scope: { name: METER_NAME, version: '' }, metrics }];
      // The reader keeps the SDK's resource and only concatenates our scopes.
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

function sdkHistogram(meter: Meter, definition: Definition): DbHistogram {
  const histogram = meter.createHistogram(definition.name, {
    description: definition.description,
    unit: 's',
    advice: { explicitBucketBoundaries: [...DB_DURATION_BUCKETS] },
  });
  return { series: (attributes) => new SdkSeries(histogram, attributes) };
}

// `@telltale/node`'s startTelemetry announces a producer slot on its readers
// under this symbol (no package dependency either way).
const SLOTS = Symbol.for('telltale.metrics.producerSlots');
interface ProducerSlot {
  readonly producers: MetricProducer[];
}

// On globalThis so that duplicated installs of this package share one producer
// per provider (two would export `db.client.operation.duration` twice).
const perProvider: WeakMap<MeterProvider, DbHistograms> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('telltale.metrics.dbHistograms')
] ??= new WeakMap<MeterProvider, DbHistograms>()) as WeakMap<MeterProvider, DbHistograms>;

/**
 * The database histograms of `provider`, created once per provider. When its
 * readers carry `@telltale/node`'s producer slot, a query costs a few
 * increments on a series found once (no attribute hashing per query) and the
 * series are exported at collection with the same names, attributes and
 * buckets; otherwise each value is recorded on an SDK histogram.
 */
export function dbHistogramsFor(provider: MeterProvider, meter: Meter): DbHistograms {
  let histograms = perProvider.get(provider);
  if (histograms !== undefined) return histograms;
  const slot = ((globalThis as Record<symbol, unknown>)[SLOTS] as WeakMap<object, ProducerSlot> | undefined)?.get(
    provider,
  );
  if (slot === undefined) {
    histograms = {
      operationDuration: sdkHistogram(meter, OPERATION_DURATION),
      waitTime: sdkHistogram(meter, WAIT_TIME),
    };
  } else {
    const operationDuration = new AggregatedHistogram(OPERATION_DURATION);
    const waitTime = new AggregatedHistogram(WAIT_TIME);
    slot.producers.push(producerOf([operationDuration, waitTime]));
    histograms = { operationDuration, waitTime };
  }
  perProvider.set(provider, histograms);
  return histograms;
}
