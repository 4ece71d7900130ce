import { createRequire } from 'node:module';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  counter,
  gauge,
  histogram,
  noopMeter,
  noopMeterProvider,
  telemetrySource,
  upDownCounter,
  type MeterProviderLike,
} from '@telltale/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';

const SPECS = {
  runs: counter('telltale.test.runs', { unit: '{run}', description: 'Runs' }),
  open: upDownCounter('telltale.test.open', { unit: '{connection}', description: 'Open connections' }),
  duration: histogram('telltale.test.duration', { unit: 's', description: 'Run time', buckets: [0.1, 1] }),
  depth: gauge('telltale.test.depth', { unit: '{job}', description: 'Jobs waiting' }),
  dead: gauge('telltale.test.dead', { unit: '{job}', description: 'Jobs dead-lettered' }),
};

const requireHere = createRequire(import.meta.url);
const missingApi = (): never => {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
};

/**
 * An SDK provider whose reader the test collects by hand. Delta temporality: a gauge reports only
 * the series observed in each collection, so a removed callback shows as a missing series.
 */
function sdk(): { reader: PeriodicExportingMetricReader; provider: MeterProvider } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  return { reader, provider: new MeterProvider({ readers: [reader] }) };
}

describe('telemetrySource', () => {
  afterAll(() => metrics.disable());

  it('builds every kind of instrument on an explicit provider, with unit, scope and bucket advice', async () => {
    const { reader, provider } = sdk();
    const telemetry = telemetrySource({ scope: '@telltale/test', require: requireHere }).open(provider, SPECS);
    expect(telemetry.recording).toBe(true);
    const { runs, open, duration } = telemetry.instruments;
    runs.add(2, { outcome: 'success' });
    open.add(3);
    open.add(-1);
    duration.record(0.5);
    duration.record(5);

    const { resourceMetrics } = await reader.collect();
    expect(resourceMetrics.scopeMetrics.map((scope) => scope.scope.name)).toEqual(['@telltale/test']);
    const byName = Object.fromEntries(
      resourceMetrics.scopeMetrics[0]!.metrics.map((metric) => [metric.descriptor.name, metric]),
    );
    expect(byName['telltale.test.runs']!.descriptor).toMatchObject({ unit: '{run}', description: 'Runs' });
    expect(byName['telltale.test.runs']!.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ outcome: 'success' }, 2],
    ]);
    expect(byName['telltale.test.open']!.dataPoints.map((point) => point.value)).toEqual([2]);
    const recorded = byName['telltale.test.duration']!.dataPoints[0]!.value as {
      count: number;
      buckets: { boundaries: number[]; counts: number[] };
    };
    expect(byName['telltale.test.duration']!.descriptor.unit).toBe('s');
    expect(recorded.buckets).toEqual({ boundaries: [0.1, 1], counts: [0, 1, 1] });
    await provider.shutdown();
  });

  it('reads observed gauges at collection and stops reading them after close(), which is idempotent', async () => {
    const { reader, provider } = sdk();
    const telemetry = telemetrySource({ scope: '@telltale/test', require: requireHere }).open(provider, SPECS);
    const { depth, dead, runs } = telemetry.instruments;
    const single = vi.fn((result: { observe(value: number, attributes?: Record<string, string>): void }) =>
      result.observe(4, { queue: 'mail' }),
    );
    telemetry.observe(depth, single);
    telemetry.observeBatch([depth, dead], (result) => {
      result.observe(depth, 7, { queue: 'sms' });
      result.observe(dead, 1, { queue: 'sms' });
    });

    const before = await collectMetrics(reader);
    expect(before['telltale.test.depth']!.points).toEqual([
      { attributes: { queue: 'mail' }, value: 4 },
      { attributes: { queue: 'sms' }, value: 7 },
    ]);
    expect(before['telltale.test.dead']!.points).toEqual([{ attributes: { queue: 'sms' }, value: 1 }]);

    telemetry.close();
    telemetry.close();
    runs.add(1); // instruments keep working after close
    const after = await collectMetrics(reader);
    expect(after['telltale.test.depth']?.points ?? []).toEqual([]);
    expect(after['telltale.test.dead']?.points ?? []).toEqual([]);
    expect(after['telltale.test.runs']!.points).toEqual([{ attributes: {}, value: 1 }]);
    expect(single).toHaveBeenCalledTimes(1);
    await provider.shutdown();
  });

  it('is a no-op for `false` without even loading the API', () => {
    const require = vi.fn(requireHere);
    const source = telemetrySource({ scope: '@telltale/test', require });
    const telemetry = source.open(false, SPECS);
    expect(telemetry.recording).toBe(false);
    expect(source.meter(false).meter).toBe(noopMeter);
    telemetry.instruments.runs.add(1);
    telemetry.observe(telemetry.instruments.depth, () => {
      throw new Error('never read');
    });
    telemetry.close();
    expect(require).not.toHaveBeenCalled();
  });

  it('falls back to the no-op meter, without throwing, when the package cannot resolve @opentelemetry/api', () => {
    const require = vi.fn(missingApi);
    const source = telemetrySource({ scope: '@telltale/test', require });
    expect(source.globalProvider()).toBeUndefined();
    const telemetry = source.open(undefined, SPECS);
    expect(telemetry.recording).toBe(false);
    expect(source.meter().meter).toBe(noopMeter);
    telemetry.instruments.duration.record(1);
    telemetry.observeBatch([telemetry.instruments.depth], () => {});
    telemetry.close();
    // The failed lookup is remembered: no repeated module resolution on later calls.
    expect(require).toHaveBeenCalledTimes(1);
    expect(require).toHaveBeenCalledWith('@opentelemetry/api');
  });

  it('an explicit provider works even when the API itself is missing', async () => {
    const { reader, provider } = sdk();
    const telemetry = telemetrySource({ scope: '@telltale/test', require: missingApi }).open(provider, SPECS);
    expect(telemetry.recording).toBe(true);
    telemetry.instruments.runs.add(5);
    expect((await collectMetrics(reader))['telltale.test.runs']!.points).toEqual([{ attributes: {}, value: 5 }]);
    await provider.shutdown();
  });

  it('uses the global provider of the resolved API, reporting not recording until an SDK registers', async () => {
    const source = telemetrySource({ scope: '@telltale/test', require: requireHere });
    expect(source.open(undefined, SPECS).recording).toBe(false);

    const { reader, provider } = sdk();
    metrics.setGlobalMeterProvider(provider);
    expect(source.globalProvider()).toBe(provider);
    const telemetry = source.open(undefined, SPECS);
    expect(telemetry.recording).toBe(true);
    telemetry.instruments.runs.add(1, { outcome: 'success' });
    expect((await collectMetrics(reader))['telltale.test.runs']!.points).toEqual([
      { attributes: { outcome: 'success' }, value: 1 },
    ]);
    metrics.disable();
    // Looked up afresh on every call (metrics does so per request): it follows the API back to no-op.
    expect(source.globalProvider()).toBe(metrics.getMeterProvider());
    expect(source.globalProvider()).not.toBe(provider);
    await provider.shutdown();
  });
});

describe('MeterProviderLike', () => {
  it('accepts the API’s and the SDK’s meter providers and the no-op one', () => {
    const providers: MeterProviderLike[] = [metrics.getMeterProvider(), new MeterProvider(), noopMeterProvider];
    for (const provider of providers) expect(typeof provider.getMeter('@telltale/test').createCounter).toBe('function');
  });
});

describe('noopMeter', () => {
  it('hands out shared instruments that accept every call and is frozen', () => {
    const first = noopMeter.createCounter('a');
    expect(noopMeter.createHistogram('b')).toBe(first);
    first.add(1);
    noopMeter.createHistogram('b').record(1);
    noopMeter.createObservableGauge('c').addCallback(() => {});
    expect(Object.isFrozen(noopMeter)).toBe(true);
    expect(noopMeterProvider.getMeter('x')).toBe(noopMeter);
  });
});
