import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serializePrometheusText, type PrometheusTextOptions } from '@telltale/node';
import { missingPeer } from '../../../test-support/peers.js';

class Reader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

async function collectSample() {
  const reader = new Reader();
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'text "test"', 'host.name': 'a\\b\nc' }),
  });
  const meter = provider.getMeter('scope.one', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const histogram = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'Duration\nwith a newline',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1] },
  });
  histogram.record(0.002, { 'http.route': '/users/:id', 'http.response.status_code': 200 });
  histogram.record(0.05, { 'http.route': '/users/:id', 'http.response.status_code': 200 });
  histogram.record(7, { 'http.route': 'quote " back \\ slash', 'error.type': '500' });
  histogram.record(0.2);
  const counter = meter.createCounter('jobs.done');
  counter.add(3, { 'job.kind': 'nightly', flag: true, tags: ['a', 'b'] });
  counter.add(1);
  meter.createCounter('already_total', { description: 'ends in total' }).add(2);
  meter.createUpDownCounter('queue.depth', { unit: '{item}' }).add(-4, { queue: 'q' });
  meter.createGauge('9lives').record(1.5, { 'weird-key.name': 'x' });
  meter.createObservableGauge('temperature').addCallback((result) => result.observe(Infinity, { sensor: 'hot' }));
  provider.getMeter('scope.two').createHistogram('telltale.operation.duration').record(0.3, { outcome: 'success' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('serializePrometheusText', () => {
  it('renders byte for byte what the OpenTelemetry exporter renders, for every option', async () => {
    const resourceMetrics = await collectSample();
    const combinations: PrometheusTextOptions[] = [
      {},
      { prefix: 'app' },
      { withoutScopeInfo: true },
      { withoutTargetInfo: true },
      { prefix: 'x', withoutScopeInfo: true, withoutTargetInfo: true },
    ];
    for (const options of combinations) {
      const reference = new PrometheusSerializer(
        options.prefix,
        false,
        undefined,
        options.withoutTargetInfo,
        options.withoutScopeInfo,
      ).serialize(resourceMetrics);
      expect(serializePrometheusText(resourceMetrics, options)).toBe(reference);
    }
    // Sanity: the sample covers the interesting cases.
    const text = serializePrometheusText(resourceMetrics);
    expect(text).toContain('jobs_done_total{job_kind="nightly",flag="true",tags="[\\"a\\",\\"b\\"]"');
    expect(text).toContain('http_server_request_duration_bucket{http_route="/users/:id"');
    expect(text).toContain('_9lives{weird_key_name="x"');
    expect(text).toContain('temperature{sensor="hot",otel_scope_name="scope.one"');
  });

  it('renders an empty collection like the exporter', async () => {
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    expect(serializePrometheusText(resourceMetrics)).toBe(new PrometheusSerializer().serialize(resourceMetrics));
  });

  it('renders one family when two scopes report the same metric name, as strict parsers require', async () => {
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const options = { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1] } };
    provider
      .getMeter('@opentelemetry/instrumentation-pg')
      .createHistogram('db.client.operation.duration', options)
      .record(0.02, { 'db.system.name': 'postgresql' });
    provider.getMeter('scope.between').createCounter('other').add(1);
    provider
      .getMeter('@telltale/metrics')
      .createHistogram('db.client.operation.duration', options)
      .record(0.002, { 'db.system.name': 'redis' });
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    const text = serializePrometheusText(resourceMetrics);
    expect(text.match(/^# TYPE db_client_operation_duration histogram$/gm)).toHaveLength(1);
    const family = text.slice(text.indexOf('# HELP db_client_operation_duration'), text.indexOf('# HELP other_total'));
    expect(family).toContain('db_system_name="postgresql"');
    expect(family).toContain('db_system_name="redis"');
    const missing = missingPeer('promtool');
    if (missing !== undefined) return;
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: `${text}\n`, encoding: 'utf8' });
    expect(lint.stderr).not.toMatch(/parsing error/);
  });
});
