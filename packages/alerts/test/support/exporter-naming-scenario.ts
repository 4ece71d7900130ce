import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { otelSeriesSource } from '@telltale/alerts';

/** Renders metrics with the real Prometheus exporter and collects them through otelSeriesSource. */
export async function exporterNamingScenario(): Promise<Record<string, unknown>> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    readers: [exporter],
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '1.0' }),
  });
  const meter = meterProvider.getMeter('shop.meter', '2.0.0');
  meter.createCounter('http.requests', { unit: 'requests' }).add(3, { 'http.route': '/pay', ok: true, code: 200 });
  meter.createCounter('jobs_total').add(1);
  meter.createUpDownCounter('queue.depth').add(-2, { 'queue-name': 'mail' });
  meter
    .createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } })
    .record(0.5, {
      'http.request.method': 'GET',
    });
  meter.createGauge('9lives').record(9);
  meter.createObservableGauge('temperature..celsius').addCallback((result) => result.observe(21.5, { room: 'a"b\\c' }));

  const { resourceMetrics } = await exporter.collect();
  const text = new PrometheusSerializer().serialize(resourceMetrics);
  const exported = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels: Record<string, string> = { __name__: match[1]! };
      for (const pair of (match[2] ?? '').matchAll(/([^=,]+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
      const value = match[3] === '+Inf' ? Infinity : Number(match[3]);
      return { labels, value };
    });
  const source = otelSeriesSource(exporter);
  const ours = await source.collect(0);
  const again = await source.collect(1);
  const reused = ours.filter((sample, index) => again[index]?.labels === sample.labels).length;
  const canonical = (samples: readonly { labels: Record<string, string>; value: number }[]) =>
    samples.map((sample) => JSON.stringify([Object.entries(sample.labels).sort(), sample.value])).sort();
  await meterProvider.shutdown();
  return { exported: canonical(exported), ours: canonical(ours), text, reused, total: ours.length };
}
