import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { ViewOptions } from '@opentelemetry/sdk-metrics';
import { options as check, TelltaleConfigError, type DurationInput, type Logger } from '@telltale/core';

/** Where and how the Prometheus exposition is served. */
export interface PrometheusOptions {
  /**
   * Also serve `/metrics` on this separate port (0 picks a free one). Without
   * it the exposition is only available through `metricsHandler`, mounted on
   * the app's own server.
   */
  port?: number;
  /**
   * Interface for the separate port. Default `127.0.0.1` (loopback only):
   * set `'0.0.0.0'` (or `'::'`) for a Prometheus on another host to reach
   * it, and then protect it with `authorize` or a network policy.
   */
  host?: string;
  /**
   * Decides whether a scrape may read the exposition, on the separate port
   * and in `metricsHandler`. `false` answers 401 when the request carries
   * no `Authorization` header, else 403; a throw or rejection answers 500.
   * Default: everyone who can connect may scrape.
   */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
  /** Path served on the separate port. Default `/metrics`. */
  endpoint?: string;
  /** Prefix added to every metric name. Default none. */
  prefix?: string;
  /** Omit the `target_info` series (resource attributes). Default false. */
  withoutTargetInfo?: boolean;
  /** Omit `otel_scope_*` labels. Default false. */
  withoutScopeInfo?: boolean;
}

/** Push metrics over OTLP/HTTP (JSON) to a Collector as well. */
export interface OtlpOptions {
  /** Full metrics endpoint, e.g. `http://collector:4318/v1/metrics`. */
  url: string;
  /** Extra HTTP headers (e.g. authentication). */
  headers?: Record<string, string>;
  /** Export interval. Default `60s`. */
  interval?: DurationInput;
}

/** Options of `startTelemetry`. */
export interface StartTelemetryOptions {
  /** `service.name` resource attribute. Required. */
  serviceName: string;
  /** `service.version` resource attribute. */
  serviceVersion?: string;
  /** More resource attributes (`deployment.environment.name`, ...). */
  resourceAttributes?: Attributes;
  /** Prometheus exposition (default `{}`: `metricsHandler` only); `false` disables it. */
  prometheus?: PrometheusOptions | false;
  /** OTLP/HTTP push. Default: none. */
  otlp?: OtlpOptions;
  /**
   * Node runtime metrics (event loop delay/utilization, heap, GC) from
   * `@opentelemetry/instrumentation-runtime-node`. Default true.
   */
  runtimeMetrics?: boolean | { monitoringPrecision?: DurationInput };
  /** Metric views passed to the SDK (rename, drop attributes, change buckets). */
  views?: ViewOptions[];
  /**
   * Detect host/process/env resource attributes (published as `target_info`
   * on `/metrics`). Default true, without the process command line
   * (`process.command_args`, `process.command_line`: argv often holds
   * passwords and API keys) and owner; opt in per attribute group with
   * `{ processCommandLine: true, processOwner: true }`.
   */
  autoDetectResources?: boolean | { processCommandLine?: boolean; processOwner?: boolean };
  /**
   * OpenTelemetry instrumentations of libraries the app uses. Default: all on.
   * `pg`: `@opentelemetry/instrumentation-pg` records `db.client.operation.duration`
   * for every query (its pool metrics are dropped: `instrumentPool` from
   * `@telltale/metrics/pg` records exact ones). ESM apps load it with
   * `node --import @telltale/node/register app.js`.
   */
  instrumentations?: InstrumentationsOptions;
  /** pino-compatible logger. Silent by default. */
  logger?: Partial<Logger>;
}

/**
 * Which library instrumentations {@link StartTelemetryOptions} turns on.
 *
 * @example
 * ```ts
 * import { startTelemetry } from '@telltale/node';
 * startTelemetry({ serviceName: 'readings', instrumentations: { pg: false } });
 * ```
 */
export interface InstrumentationsOptions {
  /** `pg` (node-postgres) queries. Default true. */
  pg?: boolean;
}

/** Validated, defaulted options. */
export interface ResolvedOptions {
  serviceName: string;
  serviceVersion: string | undefined;
  resourceAttributes: Attributes;
  prometheus:
    | (Required<Omit<PrometheusOptions, 'port' | 'prefix' | 'authorize'>> & {
        port?: number;
        prefix?: string;
        authorize?: PrometheusOptions['authorize'];
      })
    | false;
  otlp: { url: string; headers: Record<string, string>; intervalMilliseconds: number } | undefined;
  runtimeMetrics: { monitoringPrecision: number } | false;
  views: ViewOptions[];
  autoDetectResources: { commandLine: boolean; owner: boolean } | false;
  instrumentations: { pg: boolean };
}

export function resolveOptions(input: StartTelemetryOptions): ResolvedOptions {
  check.object('options', input);
  const serviceName = check.nonEmptyString('serviceName', input.serviceName);
  let prometheus: ResolvedOptions['prometheus'] = false;
  if (input.prometheus !== false) {
    const given = check.object('prometheus', input.prometheus);
    if (given.port !== undefined && (!Number.isInteger(given.port) || given.port < 0 || given.port > 65535)) {
      throw new TelltaleConfigError({
        option: 'prometheus.port',
        value: given.port,
        expected: 'an integer from 0 to 65535',
      });
    }
    const endpoint = check.nonEmptyString('prometheus.endpoint', given.endpoint, '/metrics');
    if (!endpoint.startsWith('/')) {
      throw new TelltaleConfigError({
        option: 'prometheus.endpoint',
        value: endpoint,
        expected: 'a path starting with "/"',
      });
    }
    check.optionalFunction('prometheus.authorize', given.authorize);
    prometheus = {
      port: given.port,
      host: check.nonEmptyString('prometheus.host', given.host, '127.0.0.1'),
      authorize: given.authorize,
      endpoint,
      prefix: given.prefix,
      withoutTargetInfo: given.withoutTargetInfo === true,
      withoutScopeInfo: given.withoutScopeInfo === true,
    };
  }
  let otlp: ResolvedOptions['otlp'];
  if (input.otlp !== undefined) {
    const given = check.object('otlp', input.otlp);
    const url = check.nonEmptyString('otlp.url', given.url);
    if (!URL.canParse(url))
      throw new TelltaleConfigError({ option: 'otlp.url', value: url, expected: 'an absolute URL' });
    otlp = {
      url,
      headers: { ...given.headers },
      intervalMilliseconds: check.duration('otlp.interval', given.interval, '60s'),
    };
  }
  let runtimeMetrics: ResolvedOptions['runtimeMetrics'] = { monitoringPrecision: 10 };
  if (input.runtimeMetrics === false) runtimeMetrics = false;
  else if (typeof input.runtimeMetrics === 'object') {
    runtimeMetrics = {
      monitoringPrecision: check.duration(
        'runtimeMetrics.monitoringPrecision',
        input.runtimeMetrics.monitoringPrecision,
        10,
      ),
    };
  } else if (input.runtimeMetrics !== undefined && input.runtimeMetrics !== true) {
    throw new TelltaleConfigError({
      option: 'runtimeMetrics',
      value: input.runtimeMetrics,
      expected: 'a boolean or an options object',
    });
  }
  return {
    serviceName,
    serviceVersion: input.serviceVersion,
    resourceAttributes: { ...input.resourceAttributes },
    prometheus,
    otlp,
    runtimeMetrics,
    views: input.views ?? [],
    autoDetectResources: resolveDetection(input.autoDetectResources),
    instrumentations: resolveInstrumentations(input.instrumentations),
  };
}

function resolveInstrumentations(
  input: StartTelemetryOptions['instrumentations'],
): ResolvedOptions['instrumentations'] {
  const given = check.object('instrumentations', input);
  if (given.pg !== undefined && typeof given.pg !== 'boolean') {
    throw new TelltaleConfigError({ option: 'instrumentations.pg', value: given.pg, expected: 'a boolean' });
  }
  return { pg: given.pg !== false };
}

function resolveDetection(input: StartTelemetryOptions['autoDetectResources']): ResolvedOptions['autoDetectResources'] {
  if (input === false) return false;
  if (input === undefined || input === true) return { commandLine: false, owner: false };
  check.object('autoDetectResources', input);
  for (const name of ['processCommandLine', 'processOwner'] as const) {
    if (input[name] !== undefined && typeof input[name] !== 'boolean') {
      throw new TelltaleConfigError({
        option: `autoDetectResources.${name}`,
        value: input[name],
        expected: 'a boolean',
      });
    }
  }
  return { commandLine: input.processCommandLine === true, owner: input.processOwner === true };
}
