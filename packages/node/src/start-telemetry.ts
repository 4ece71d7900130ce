import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type MeterProvider } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InstrumentType,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { describeError, redactSecrets, resolveLogger } from '@telltale/core';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { resolveOptions, type StartTelemetryOptions } from './options.js';
import { createProducerSlot, PullMetricReader, registerProducerSlot } from './pull-reader.js';
import { resourceDetectors } from './resource-detectors.js';
import { guardScrape } from './authorize.js';
import { libraryInstrumentations, PG_POOL_VIEWS } from './instrumentations.js';
import { serializePrometheusText, type PrometheusTextOptions } from './prometheus-text.js';

/** The running telemetry returned by {@link startTelemetry}. */
export interface Telemetry {
  /** The SDK meter provider (also registered as the global one). */
  readonly meterProvider: MeterProvider;
  /**
   * A pull reader over everything this SDK records (cumulative), for
   * in-process consumers: `otelSeriesSource(telemetry.metricReader)` from
   * `@telltale/alerts`. It is the Prometheus exporter when that is enabled
   * (so alerts see exactly what Prometheus scrapes), else a dedicated reader.
   */
  readonly metricReader: MetricReader;
  /**
   * Serves the Prometheus text exposition. Mount it on the app's own server:
   * Express `app.get('/metrics', telemetry.metricsHandler)`, Fastify
   * `reply.hijack(); telemetry.metricsHandler(request.raw, reply.raw)`, or
   * node:http. Responds 404 when `prometheus: false`, and 401/403 when
   * `prometheus.authorize` refuses the request.
   */
  metricsHandler(request: IncomingMessage, response: ServerResponse): void;
  /** URL of the separate metrics port once it listens; `undefined` without `prometheus.port`. */
  metricsUrl(): Promise<string | undefined>;
  /** Exports pending OTLP data now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the SDK, runtime metrics and the separate port. Idempotent. */
  close(): Promise<void>;
  /**
   * Same as `close()`.
   *
   * @deprecated Use `close()` (every Telltale owner of resources has `close()` and
   * `[Symbol.asyncDispose]`); removed in the next minor.
   */
  shutdown(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Prometheus 3 rejects scrapes with a bare `text/plain`; declare the text format version.
const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Starts the OpenTelemetry Node SDK for metrics: a Prometheus exposition you
 * serve from your own port (or a separate one), optional OTLP push, and Node
 * runtime metrics. Call it before creating instruments; `@telltale/*`
 * packages pick up the global meter provider on their own. No traces or logs
 * are exported (the SDK's environment defaults for them are overridden).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { startTelemetry } from '@telltale/node';
 * import { expressMetrics } from '@telltale/metrics/express';
 *
 * const telemetry = startTelemetry({ serviceName: 'checkout' });
 * const app = express();
 * app.use(expressMetrics({ ignore: ['/metrics'] }));
 * app.get('/metrics', telemetry.metricsHandler);
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(() => void telemetry.close()));
 * ```
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  const resolved = resolveOptions(options);
  const logger = resolveLogger(options.logger);

  const readers: IMetricReader[] = [];
  const otlpExporter =
    resolved.otlp === undefined
      ? undefined
      : new OTLPMetricExporter({ url: resolved.otlp.url, headers: resolved.otlp.headers });
  // Pre-aggregated HTTP durations (see @telltale/metrics) bypass views and are
  // cumulative: keep the SDK's own histogram when either would show.
  const slot =
    resolved.views.length === 0 &&
    (otlpExporter === undefined ||
      otlpExporter.selectAggregationTemporality(InstrumentType.HISTOGRAM) === AggregationTemporality.CUMULATIVE)
      ? createProducerSlot()
      : undefined;
  const metricProducers = slot === undefined ? undefined : [slot];
  let prometheus: PrometheusExporter | undefined;
  if (resolved.prometheus !== false) {
    prometheus = new PrometheusExporter({
      preventServerStart: true,
      metricProducers,
      prefix: resolved.prometheus.prefix,
      withoutTargetInfo: resolved.prometheus.withoutTargetInfo,
      withoutScopeInfo: resolved.prometheus.withoutScopeInfo,
    });
    readers.push(prometheus);
  }
  const textOptions: PrometheusTextOptions =
    resolved.prometheus === false
      ? {}
      : {
          prefix: resolved.prometheus.prefix,
          withoutScopeInfo: resolved.prometheus.withoutScopeInfo,
          withoutTargetInfo: resolved.prometheus.withoutTargetInfo,
        };
  const metricReader: MetricReader = prometheus ?? new PullMetricReader({ metricProducers });
  if (prometheus === undefined) readers.push(metricReader);
  if (resolved.otlp !== undefined && otlpExporter !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: otlpExporter,
        exportIntervalMillis: resolved.otlp.intervalMilliseconds,
        metricProducers,
      }),
    );
  }
  const runtime =
    resolved.runtimeMetrics === false
      ? undefined
      : new RuntimeNodeInstrumentation({ monitoringPrecision: resolved.runtimeMetrics.monitoringPrecision });

  const instrumentations = [
    ...(runtime === undefined ? [] : [runtime]),
    ...libraryInstrumentations(resolved.instrumentations),
  ];

  const resourceAttributes = { ...resolved.resourceAttributes };
  if (resolved.serviceVersion !== undefined) resourceAttributes['service.version'] = resolved.serviceVersion;
  const sdk = new NodeSDK({
    serviceName: resolved.serviceName,
    resource: resourceFromAttributes(resourceAttributes),
    autoDetectResources: resolved.autoDetectResources !== false,
    ...(resolved.autoDetectResources === false
      ? {}
      : { resourceDetectors: resourceDetectors(resolved.autoDetectResources) }),
    metricReaders: readers,
    // Internal drop views only select instrumentation-pg's meter, not the HTTP durations the slot carries.
    views: resolved.instrumentations.pg ? [...resolved.views, ...PG_POOL_VIEWS] : resolved.views,
    instrumentations,
    // Metrics only: without these the SDK would default to OTLP trace and log exporters.
    spanProcessors: [],
    logRecordProcessors: [],
  });
  const previousGlobal = metrics.getMeterProvider();
  sdk.start();
  // NodeSDK keeps its provider private; it is the global one unless another was registered first.
  const meterProvider =
    (sdk as unknown as { _meterProvider?: MeterProvider })._meterProvider ?? metrics.getMeterProvider();
  if (slot !== undefined) registerProducerSlot(meterProvider, slot);
  if (metrics.getMeterProvider() !== meterProvider || previousGlobal === meterProvider) {
    logger.warn(
      { serviceName: resolved.serviceName },
      '@telltale/node: a global meter provider was already registered; instruments using the global one will not reach this SDK',
    );
  }

  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    if (prometheus === undefined) {
      response.statusCode = 404;
      response.end('Prometheus exposition disabled\n');
      return;
    }
    response.statusCode = 200;
    response.setHeader('content-type', EXPOSITION_CONTENT_TYPE);
    // As the exporter's own handler, but with the faster, output-identical serializer.
    prometheus.collect().then(
      ({ resourceMetrics, errors }) => {
        if (errors.length > 0) logger.error({ errors }, '@telltale/node: metrics collection errors');
        response.end(serializePrometheusText(resourceMetrics, textOptions));
      },
      (error: unknown) => {
        response.end(`# failed to export metrics: ${redactSecrets(describeError(error))}`);
      },
    );
  };

  const authorize = resolved.prometheus === false ? undefined : resolved.prometheus.authorize;
  const metricsHandler =
    authorize === undefined
      ? serve
      : (request: IncomingMessage, response: ServerResponse): void =>
          guardScrape(authorize, request, response, serve, (error) =>
            logger.error({ err: error }, '@telltale/node: metrics authorize failed'),
          );

  let server: MetricsServer | undefined;
  if (resolved.prometheus !== false && resolved.prometheus.port !== undefined) {
    server = startMetricsServer(metricsHandler, {
      port: resolved.prometheus.port,
      host: resolved.prometheus.host,
      endpoint: resolved.prometheus.endpoint,
    });
    server.listening.catch((error: unknown) =>
      logger.error(
        { err: error, port: resolved.prometheus !== false ? resolved.prometheus.port : undefined },
        '@telltale/node: metrics port failed to listen',
      ),
    );
  }

  let stopping: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const instrumentation of instrumentations) instrumentation.disable();
      await server?.close();
      await sdk.shutdown();
      if (metrics.getMeterProvider() === meterProvider) metrics.disable();
    })());

  return {
    meterProvider,
    metricReader,
    metricsHandler,
    metricsUrl: async () => (server === undefined ? undefined : server.listening),
    forceFlush: async () => {
      const flushable = meterProvider as MeterProvider & { forceFlush?: () => Promise<void> };
      await flushable.forceFlush?.();
    },
    close,
    shutdown: close,
    [Symbol.asyncDispose]: close,
  };
}
