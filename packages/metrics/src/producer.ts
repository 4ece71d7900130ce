import { ValueType, type HrTime, type MeterProvider } from '@opentelemetry/api';
import type {
  CollectionResult,
  HistogramMetricData,
  InstrumentType,
  MetricCollectOptions,
  MetricDescriptor,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { TelltaleConfigError } from '@telltale/core';
import { METER_NAME } from './meter.js';
import { CUMULATIVE, HISTOGRAM_INSTRUMENT, HISTOGRAM_POINT } from './sdk-enums.js';
import type { DurationSeries, DurationTable } from './series.js';

/**
 * A `MetricProducer` for `@opentelemetry/sdk-metrics` readers: exports the
 * `http.server.request.duration` histograms that `@telltale/metrics`
 * recorders pre-aggregate on the request path, once per collection.
 */
export interface HttpMetricsProducer extends MetricProducer {
  /** Called by the reader on every collection (scrape, export). */
  collect(options?: MetricCollectOptions): Promise<CollectionResult>;
}

const PRODUCER = Symbol.for('telltale.metrics.httpProducer');
const BRAND = Symbol.for('telltale.metrics.httpProducer.brand');

interface ProducerState extends HttpMetricsProducer {
  readonly [BRAND]: true;
  readonly tables: Set<DurationTable>;
}

// On globalThis so duplicated installs of this package agree on the registration.
const registry: WeakMap<object, ProducerState> = ((globalThis as Record<symbol, unknown>)[PRODUCER] ??= new WeakMap<
  object,
  ProducerState
>()) as WeakMap<object, ProducerState>;

function hrTime(epochMilliseconds: number): HrTime {
  const seconds = Math.floor(epochMilliseconds / 1000);
  return [seconds, Math.round((epochMilliseconds - seconds * 1000) * 1e6)];
}

type Point = HistogramMetricData['dataPoints'][number];

function pointOf(series: DurationSeries, boundaries: number[], endTime: HrTime): Point {
  return {
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
  };
}

// Several recorders on one provider: sum the series with the same attributes.
function pointsOf(group: DurationTable[], boundaries: number[], endTime: HrTime): Point[] {
  if (group.length === 1) return group[0]!.ordered.map((series) => pointOf(series, boundaries, endTime));
  const merged = new Map<string, Point>();
  for (const table of group) {
    for (const series of table.ordered) {
      const key = JSON.stringify(series.attributes);
      const point = merged.get(key);
      if (point === undefined) {
        merged.set(key, pointOf(series, boundaries, endTime));
        continue;
      }
      const value = point.value;
      for (let index = 0; index < series.counts.length; index++) value.buckets.counts[index]! += series.counts[index]!;
      value.count += series.count;
      value.sum = (value.sum ?? 0) + series.sum;
      value.min = Math.min(value.min ?? Infinity, series.min);
      value.max = Math.max(value.max ?? -Infinity, series.max);
      if (series.startedAt < hrToMillis(point.startTime))
        (point as { startTime: HrTime }).startTime = hrTime(series.startedAt);
    }
  }
  return [...merged.values()];
}

function hrToMillis(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

function isProducer(value: unknown): value is ProducerState {
  return typeof value === 'object' && value !== null && (value as ProducerState)[BRAND] === true;
}

/**
 * Creates the producer that hands pre-aggregated HTTP durations to the SDK
 * at collection time. Pass it in the `metricProducers` of your reader(s),
 * then {@link registerHttpMetricsProducer} with the provider. `@telltale/node`'s
 * `startTelemetry` does both for you.
 *
 * @example
 * ```ts
 * import { MeterProvider } from '@opentelemetry/sdk-metrics';
 * import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
 * import { createHttpMetricsProducer, registerHttpMetricsProducer } from '@telltale/metrics';
 *
 * const producer = createHttpMetricsProducer();
 * const meterProvider = new MeterProvider({
 *   readers: [new PrometheusExporter({ metricProducers: [producer] })],
 * });
 * registerHttpMetricsProducer(meterProvider, producer);
 * ```
 */
export function createHttpMetricsProducer(): HttpMetricsProducer {
  const tables = new Set<DurationTable>();
  const collect = (): Promise<CollectionResult> => {
    const endTime = hrTime(Date.now());
    // Recorders with the same buckets share one SDK instrument on the SDK path: one metric here too.
    const groups = new Map<string, DurationTable[]>();
    for (const table of tables) {
      if (table.ordered.length === 0) continue;
      const key = table.bounds.join(',');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [table]);
      else group.push(table);
    }
    const metrics: HistogramMetricData[] = [];
    for (const group of groups.values()) {
      const boundaries = [...group[0]!.bounds];
      // What the SDK's instrument descriptor holds (type and advice included).
      const descriptor: MetricDescriptor & { type: InstrumentType; advice: object } = {
        name: 'http.server.request.duration',
        type: HISTOGRAM_INSTRUMENT,
        description: 'Duration of HTTP server requests.',
        unit: 's',
        valueType: ValueType.DOUBLE,
        advice: { explicitBucketBoundaries: [...boundaries] },
      };
      const dataPoints = pointsOf(group, boundaries, endTime);
      metrics.push({ descriptor, aggregationTemporality: CUMULATIVE, dataPointType: HISTOGRAM_POINT, dataPoints });
    }
    const scopeMetrics = metrics.length === 0 ? [] : [{ scope: { name: METER_NAME, version: '' }, metrics }];
    // The reader keeps the SDK's resource and only concatenates our scopes.
    return Promise.resolve({
      resourceMetrics: {
        resource: undefined as unknown as CollectionResult['resourceMetrics']['resource'],
        scopeMetrics,
      },
      errors: [],
    });
  };
  const producer: ProducerState = { [BRAND]: true, tables, collect };
  return producer;
}

/**
 * Tells `@telltale/metrics` recorders that `meterProvider`'s readers carry
 * `producer`: requests are then pre-aggregated and exported through it
 * instead of being recorded one by one on an SDK histogram. Without this
 * registration recorders keep recording on the SDK histogram, so nothing is
 * lost. Only register when every reader of the provider has the producer.
 *
 * @example
 * ```ts
 * registerHttpMetricsProducer(meterProvider, producer);
 * metrics.setGlobalMeterProvider(meterProvider);
 * ```
 */
export function registerHttpMetricsProducer(meterProvider: MeterProvider, producer: HttpMetricsProducer): void {
  if (typeof meterProvider !== 'object' || meterProvider === null) {
    throw new TelltaleConfigError({ option: 'meterProvider', value: meterProvider, expected: 'a MeterProvider' });
  }
  if (!isProducer(producer)) {
    throw new TelltaleConfigError({
      option: 'producer',
      value: producer,
      expected: 'a producer from createHttpMetricsProducer()',
    });
  }
  registry.set(meterProvider, producer);
}

// `@telltale/node`'s startTelemetry announces a slot on its readers under this
// symbol (no package dependency either way); the first recorder fills it.
const SLOTS = Symbol.for('telltale.metrics.producerSlots');
interface ProducerSlot {
  readonly producers: HttpMetricsProducer[];
}

/** The duration tables a provider's registered producer exports, if any (for recorders). */
export function producerTables(meterProvider: MeterProvider): Set<DurationTable> | undefined {
  const registered = registry.get(meterProvider);
  if (registered !== undefined) return registered.tables;
  const slot = ((globalThis as Record<symbol, unknown>)[SLOTS] as WeakMap<object, ProducerSlot> | undefined)?.get(
    meterProvider,
  );
  if (slot === undefined) return undefined;
  const producer = createHttpMetricsProducer() as ProducerState;
  slot.producers.push(producer);
  registry.set(meterProvider, producer);
  return producer.tables;
}
