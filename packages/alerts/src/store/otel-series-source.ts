import type { CollectionResult, MetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { TelltaleError, options as validate } from '@telltale/core';
import type { CollectedSample, SeriesSource } from './series-store.js';

/** Options of {@link otelSeriesSource}, mirroring `@opentelemetry/exporter-prometheus`'s. */
export interface OtelSeriesSourceOptions {
  /** Metric name prefix, as the exporter's `prefix` option. */
  prefix?: string;
  /** Resource attributes matching this pattern become labels on every series (exporter's option). */
  withResourceConstantLabels?: RegExp;
  /** Omit the `otel_scope_*` labels (exporter's option). Default `false`. */
  withoutScopeInfo?: boolean;
  /** Omit the `target_info` series (exporter's option). Default `false`. */
  withoutTargetInfo?: boolean;
}

/** Label objects reused across collections, per series family and attributes object. */
type LabelCache = Map<string, WeakMap<object, Readonly<Record<string, string>>>>;

/** The part of a `MetricReader` the source uses. */
export type CollectingReader = Pick<MetricReader, 'collect'>;

// DataPointType / AggregationTemporality values of @opentelemetry/sdk-metrics, inlined so
// that this module does not load the SDK at run time (it is an optional peer).
const HISTOGRAM = 0;
const GAUGE = 2;
const SUM = 3;
const DELTA = 0;

const INVALID = /[^a-z0-9_]/gi;
const REPEATED_UNDERSCORES = /_{2,}/g;

function escapeString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** The exporter's `sanitizePrometheusMetricName`, used for metric and label names. */
export function sanitizeName(name: string): string {
  return name.replace(INVALID, '_').replace(REPEATED_UNDERSCORES, '_');
}

function labelValue(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function addAttributes(target: Record<string, string>, attributes: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(attributes)) target[sanitizeName(key)] = labelValue(value);
}

function formatBound(bound: number | undefined): string {
  return bound === undefined || bound === Infinity ? '+Inf' : String(bound);
}

/**
 * Converts one OTel collection into samples named and labelled exactly as
 * `@opentelemetry/exporter-prometheus` (0.223) renders them on `/metrics`.
 */
export function resourceMetricsToSamples(
  resourceMetrics: ResourceMetrics,
  options: OtelSeriesSourceOptions = {},
  cache: LabelCache = new Map(),
): CollectedSample[] {
  const samples: CollectedSample[] = [];
  const resourceAttributes = resourceMetrics.resource.attributes as Record<string, unknown>;
  const constant: Record<string, unknown> = {};
  if (options.withResourceConstantLabels) {
    for (const [key, value] of Object.entries(resourceAttributes)) {
      if (options.withResourceConstantLabels.test(key)) constant[key] = value;
    }
  }
  if (!options.withoutTargetInfo) {
    const labels: Record<string, string> = { __name__: 'target_info' };
    addAttributes(labels, resourceAttributes);
    samples.push({ labels, value: 1 });
  }
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    const scope = scopeMetrics.scope;
    const additional: Record<string, unknown> = {};
    if (!options.withoutScopeInfo) {
      additional['otel.scope.name'] = scope.name;
      if (scope.schemaUrl) additional['otel.scope.schema_url'] = scope.schemaUrl;
      if (scope.version) additional['otel.scope.version'] = scope.version;
    }
    Object.assign(additional, constant);
    for (const metric of scopeMetrics.metrics) {
      let name = sanitizeName(escapeString(metric.descriptor.name));
      if (options.prefix) name = `${options.prefix}_${name}`;
      if (name === '' || name === '_') continue;
      if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
      const type = metric.dataPointType as number;
      if (
        (type === SUM || type === HISTOGRAM) &&
        (metric as { aggregationTemporality?: number }).aggregationTemporality === DELTA
      ) {
        throw new TelltaleError(
          'TELLTALE_INVALID_INPUT',
          `Metric ${metric.descriptor.name} uses delta temporality; the series source needs cumulative temporality (the MetricReader default)`,
        );
      }
      if (type === SUM && (metric as { isMonotonic?: boolean }).isMonotonic && !name.endsWith('_total'))
        name += '_total';
      const labelsFor = (
        suffix: string,
        attributes: Readonly<Record<string, unknown>>,
        extra?: Record<string, string>,
      ) => {
        // The SDK hands out the same attributes object for a series on every collection, so
        // reusing the label object lets the store skip re-deriving the series key.
        const cacheKey = `${scope.name}\u0000${scope.version ?? ''}\u0000${name}${suffix}\u0000${extra?.le ?? ''}`;
        let perAttributes = cache.get(cacheKey);
        if (!perAttributes) cache.set(cacheKey, (perAttributes = new WeakMap()));
        const cached = perAttributes.get(attributes);
        if (cached) return cached;
        const labels: Record<string, string> = { __name__: name + suffix };
        addAttributes(labels, attributes);
        addAttributes(labels, additional);
        if (extra) Object.assign(labels, extra);
        perAttributes.set(attributes, labels);
        return labels;
      };
      if (type === SUM || type === GAUGE) {
        for (const point of metric.dataPoints) {
          samples.push({ labels: labelsFor('', point.attributes), value: point.value as number });
        }
      } else if (type === HISTOGRAM) {
        for (const point of metric.dataPoints) {
          const histogram = point.value as {
            count: number;
            sum?: number;
            buckets: { boundaries: number[]; counts: number[] };
          };
          samples.push({ labels: labelsFor('_count', point.attributes), value: histogram.count });
          if (histogram.sum !== undefined && histogram.sum !== null) {
            samples.push({ labels: labelsFor('_sum', point.attributes), value: histogram.sum });
          }
          let cumulative = 0;
          let infinityDefined = false;
          histogram.buckets.counts.forEach((count, index) => {
            const bound = histogram.buckets.boundaries[index];
            if (bound === undefined && infinityDefined) return;
            if (bound === Infinity) infinityDefined = true;
            cumulative += count;
            samples.push({
              labels: labelsFor('_bucket', point.attributes, { le: formatBound(bound) }),
              value: cumulative,
            });
          });
        }
      }
      // Exponential histograms are skipped, as the exporter skips them.
    }
  }
  return samples;
}

/**
 * A {@link SeriesSource} that collects from an OpenTelemetry `MetricReader`
 * (any reader registered with your `MeterProvider`, e.g. the Prometheus
 * exporter itself) on every evaluation. Series are named and labelled
 * exactly as `@opentelemetry/exporter-prometheus` exposes them, so a rule
 * written against your `/metrics` in Prometheus works unchanged here.
 *
 * @example
 * ```ts
 * import { MeterProvider } from '@opentelemetry/sdk-metrics';
 * import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
 * import { otelSeriesSource } from '@telltale/alerts';
 * const exporter = new PrometheusExporter({ preventServerStart: true });
 * const meterProvider = new MeterProvider({ readers: [exporter] });
 * const source = otelSeriesSource(exporter);
 * ```
 */
export function otelSeriesSource(reader: CollectingReader, options: OtelSeriesSourceOptions = {}): SeriesSource {
  if (typeof reader?.collect !== 'function') {
    throw new TelltaleError('TELLTALE_CONFIG', 'Invalid option "reader": expected an OpenTelemetry MetricReader', {
      details: { option: 'reader', expected: 'an OpenTelemetry MetricReader' },
    });
  }
  validate.object('options', options);
  const cache: LabelCache = new Map();
  return {
    async collect() {
      const result: CollectionResult = await reader.collect();
      return resourceMetricsToSamples(result.resourceMetrics, options, cache);
    },
  };
}
