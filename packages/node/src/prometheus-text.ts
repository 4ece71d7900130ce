import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';

/** Options of {@link serializePrometheusText}, mirroring the exporter's (`prometheus` options). */
export interface PrometheusTextOptions {
  prefix?: string;
  withoutScopeInfo?: boolean;
  withoutTargetInfo?: boolean;
}

const INVALID_CHARACTERS = /[^a-z0-9_]/gi;
const REPEATED_UNDERSCORES = /_{2,}/g;
const NEEDS_ESCAPE = /[\\\n]/;
const NEEDS_VALUE_ESCAPE = /[\\\n"]/;

// Attribute keys and metric names come from code, so the cache stays small; the cap is a backstop.
const sanitized = new Map<string, string>();
function sanitize(name: string): string {
  let result = sanitized.get(name);
  if (result === undefined) {
    result = name.replace(INVALID_CHARACTERS, '_').replace(REPEATED_UNDERSCORES, '_');
    if (sanitized.size < 10_000) sanitized.set(name, result);
  }
  return result;
}

function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
}

function escapeValue(value: unknown): string {
  const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return NEEDS_VALUE_ESCAPE.test(text) ? escapeText(text).replace(/"/g, '\\"') : text;
}

function labelPairs(attributes: Attributes | undefined): string {
  let text = '';
  if (attributes === undefined) return text;
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    text += `${text.length > 0 ? ',' : ''}${sanitize(key)}="${escapeValue(attributes[key])}"`;
  }
  return text;
}

function join(first: string, second: string): string {
  return first === '' ? second : second === '' ? first : `${first},${second}`;
}

function sample(name: string, labels: string, value: number): string {
  const shown = value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : `${value}`;
  return labels === '' ? `${name} ${shown}\n` : `${name}{${labels}} ${shown}\n`;
}

function typeOf(metric: MetricData): string {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'untyped';
  }
}

function familyName(metric: MetricData, prefix: string): string {
  let name = sanitize(escapeText(metric.descriptor.name));
  name = prefix + name;
  if (name === '' || name === '_') return '';
  if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
  if (!name.endsWith('_total') && metric.dataPointType === DataPointType.SUM && metric.isMonotonic) name += '_total';
  return name;
}

function familyHeader(metric: MetricData, name: string): string {
  let header = `# HELP ${name} ${escapeText(metric.descriptor.description || 'description missing')}`;
  if (metric.descriptor.unit) header += `\n# UNIT ${name} ${escapeText(metric.descriptor.unit)}`;
  return `${header}\n# TYPE ${name} ${typeOf(metric)}\n`;
}

function serializeSamples(metric: MetricData, name: string, scopeLabels: string, parts: string[]): void {
  if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
    for (const point of metric.dataPoints) {
      parts.push(sample(name, join(labelPairs(point.attributes), scopeLabels), point.value));
    }
  } else if (metric.dataPointType === DataPointType.HISTOGRAM) {
    const bucketName = `${name}_bucket`;
    for (const point of metric.dataPoints) {
      // The exporter rebuilds every label for each of a histogram's lines; build them once per point.
      const labels = join(labelPairs(point.attributes), scopeLabels);
      const histogram = point.value;
      parts.push(sample(`${name}_count`, labels, histogram.count));
      if (histogram.sum != null) parts.push(sample(`${name}_sum`, labels, histogram.sum));
      const { boundaries, counts } = histogram.buckets;
      const prefixLabels = labels === '' ? '' : `${labels},`;
      let cumulative = 0;
      let infinityDefined = false;
      for (let index = 0; index < counts.length; index++) {
        cumulative += counts[index]!;
        const upper = boundaries[index];
        if (upper === undefined && infinityDefined) break;
        if (upper === Infinity) infinityDefined = true;
        const le = upper === undefined || upper === Infinity ? '+Inf' : String(upper);
        parts.push(`${bucketName}{${prefixLabels}le="${le}"} ${cumulative}\n`);
      }
    }
  }
}

/** One metric family: its header once, then the samples of every scope that reports it. */
interface Family {
  readonly type: string;
  readonly parts: string[];
}

/**
 * Renders collected metrics in the Prometheus text format, byte for byte as
 * `@opentelemetry/exporter-prometheus`' serializer does (0.223), but building
 * each data point's labels once instead of once per line: several times
 * faster for histograms, whose rendering blocks the event loop.
 * `metricsHandler` uses it; call it yourself to serve a custom endpoint.
 *
 * @example
 * ```ts
 * import { serializePrometheusText, startTelemetry } from '@telltale/node';
 * const telemetry = startTelemetry({ serviceName: 'orders' });
 * const { resourceMetrics } = await telemetry.metricReader.collect();
 * const text = serializePrometheusText(resourceMetrics);
 * ```
 */
export function serializePrometheusText(resourceMetrics: ResourceMetrics, options: PrometheusTextOptions = {}): string {
  const prefix = options.prefix ? `${options.prefix}_` : '';
  // Grouped by name: two scopes reporting one semantic-convention metric (db.client.operation.duration from
  // the pg instrumentation and from instrumentRedis) must share one HELP/TYPE, or strict parsers reject the page.
  const families = new Map<string, Family>();
  const order: Family[] = [];
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    let scopeLabels = '';
    if (options.withoutScopeInfo !== true) {
      const scope = scopeMetrics.scope;
      const info: Attributes = { 'otel.scope.name': scope.name };
      if (scope.schemaUrl) info['otel.scope.schema_url'] = scope.schemaUrl;
      if (scope.version) info['otel.scope.version'] = scope.version;
      scopeLabels = labelPairs(info);
    }
    for (const metric of scopeMetrics.metrics) {
      const name = familyName(metric, prefix);
      if (name === '') continue;
      const type = typeOf(metric);
      let family = families.get(name);
      if (family === undefined || family.type !== type) {
        family = { type, parts: [familyHeader(metric, name)] };
        // A clash of types cannot be merged; the later family is rendered on its own, as the exporter does.
        if (!families.has(name)) families.set(name, family);
        order.push(family);
      }
      serializeSamples(metric, name, scopeLabels, family.parts);
    }
  }
  let text = '';
  for (const family of order) text += `${family.parts.join('').trim()}\n`;
  if (text === '') text = '# no registered metrics';
  if (options.withoutTargetInfo === true) return text;
  const target = sample('target_info', labelPairs(resourceMetrics.resource.attributes), 1).trim();
  return `# HELP target_info Target metadata\n# TYPE target_info gauge\n${target}\n${text}`;
}
