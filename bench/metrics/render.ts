// Rendering /metrics with 2,000 histogram series: prom-client's registry
// against the OpenTelemetry exporter's handler and @telltale/node's
// serializer (on the SDK's histograms, and on the pre-aggregating producer).
import { median, report } from '../harness.js';

export async function renderBenchmark() {
  const SERIES = 2_000;
  const RENDERS = 15;
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  const { createHttpMetrics, createHttpMetricsProducer, registerHttpMetricsProducer } =
    await import('@telltale/metrics');
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const metrics = createHttpMetrics({ meterProvider, maxRoutes: SERIES });
  // The same series pre-aggregated and handed over by the producer (startTelemetry's wiring).
  const producer = createHttpMetricsProducer();
  const producedExporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] });
  const producedProvider = new MeterProvider({ readers: [producedExporter] });
  registerHttpMetricsProducer(producedProvider, producer);
  const produced = createHttpMetrics({ meterProvider: producedProvider, maxRoutes: SERIES });
  const { Registry, Histogram } = await import('prom-client');
  const registry = new Registry();
  // Same label names and values as the OTel exposition, so both render the same amount of text.
  const promHistogram = new Histogram({
    name: 'http_server_request_duration',
    help: 'Duration of HTTP server requests.',
    labelNames: [
      'http_request_method',
      'url_scheme',
      'network_protocol_version',
      'http_response_status_code',
      'http_route',
      'otel_scope_name',
    ],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  // 2,000 label sets: 500 routes × 4 status codes, each a full histogram.
  const fakeResponse = (status: number) =>
    ({ statusCode: status, headersSent: true, writableFinished: true, getHeader: () => undefined }) as never;
  for (let route = 0; route < 500; route++) {
    for (const status of [200, 201, 404, 500]) {
      const request = { method: 'GET', url: '/', httpVersion: '1.1', socket: {}, headers: {} } as never;
      for (const recorder of [metrics, produced]) {
        const handle = recorder.start(request)!;
        handle.route = `/resource${route}/:id`;
        recorder.finish(handle, fakeResponse(status));
      }
      promHistogram.observe(
        {
          http_request_method: 'GET',
          url_scheme: 'http',
          network_protocol_version: '1.1',
          http_response_status_code: status,
          http_route: `/resource${route}/:id`,
          otel_scope_name: '@telltale/metrics',
        },
        0.004,
      );
    }
  }
  const renderOtel = () =>
    new Promise<number>((resolve) => {
      const response = { statusCode: 0, setHeader() {}, end: (body: string) => resolve(body.length) };
      exporter.getMetricsRequestHandler({} as never, response as never);
    });
  const time = async (render: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let index = 0; index < RENDERS; index++) {
      const started = performance.now();
      await render();
      samples.push(performance.now() - started);
    }
    return median(samples.slice(3)); // first renders warm up the JIT
  };
  const bytes = await renderOtel();
  const promBytes = (await registry.metrics()).length;
  const { serializePrometheusText } = await import('@telltale/node');
  const renderTelltale = async () => serializePrometheusText((await exporter.collect()).resourceMetrics).length;
  if ((await renderTelltale()) !== bytes) throw new Error('serializePrometheusText output differs in size');
  const renderProduced = async () => serializePrometheusText((await producedExporter.collect()).resourceMetrics).length;
  // Durations are real, so sums differ in digits: compare the lines, not the bytes.
  const lines = async (reader: typeof exporter) =>
    serializePrometheusText((await reader.collect()).resourceMetrics).split('\n').length;
  if ((await lines(producedExporter)) !== (await lines(exporter)))
    throw new Error('the producer path renders other series');
  const rows = {
    'prom-client registry.metrics()': await time(() => registry.metrics()),
    'OTel PrometheusExporter handler': await time(renderOtel),
    'telltale/node metricsHandler': await time(renderTelltale),
    'telltale/node metricsHandler, producer': await time(renderProduced),
  };
  report(
    `/metrics render, ${SERIES} histogram label sets (OTel ${(bytes / 1024).toFixed(0)} KiB, prom-client ${(promBytes / 1024).toFixed(0)} KiB)`,
    rows,
    'prom-client registry.metrics()',
    'ms',
  );
  await meterProvider.shutdown();
  await producedProvider.shutdown();
  // The target: ours (the producer path startTelemetry wires) no slower than prom-client.
  const oursVsPromClient = rows['telltale/node metricsHandler, producer'] / rows['prom-client registry.metrics()'];
  return { labelSets: SERIES, bytes: { otel: bytes, promClient: promBytes }, milliseconds: rows, oursVsPromClient };
}
