// `meterProvider: false` (issue #22): nothing recorded, no meter asked for, no gauge registered,
// while a real SDK provider is the global one. This file registers a global provider: it runs
// in its own worker.
import { metrics } from '@opentelemetry/api';
import { InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { createManualClock } from '@telltale/core';
import { circuitBreaker, constant, pipeline, retry } from '@telltale/resilience';
import { afterAll, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';
import { instrumentsNamed, watchScopes } from '../../../test-support/meter-scopes.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const sdk = new MeterProvider({ readers: [reader] });
const spy = watchScopes(sdk);
metrics.setGlobalMeterProvider(spy.provider);
afterAll(async () => {
  metrics.disable();
  await sdk.shutdown();
});

/** Retries twice, then succeeds through a breaker; isolates a second breaker; runs a third alone. */
async function exercise(meterProvider: false | undefined, name: string): Promise<void> {
  const clock = createManualClock();
  const options = meterProvider === false ? { meterProvider } : {};
  const policy = pipeline(
    { name, ...options },
    retry({ maxAttempts: 3, backoff: constant(0), clock }),
    circuitBreaker({ name: `${name}-breaker`, clock, ...options }),
  );
  let calls = 0;
  await expect(
    policy.execute(() => (++calls < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok'))),
  ).resolves.toBe('ok');
  circuitBreaker({ name: `${name}-isolated`, clock, ...options }).isolate();
  // A breaker used on its own runs through a one-policy pipeline of its own.
  await expect(circuitBreaker({ name: `${name}-alone`, clock, ...options }).execute(() => 'alone')).resolves.toBe(
    'alone',
  );
}

describe('resilience with meterProvider: false', () => {
  it('records nothing and asks the global SDK provider for no meter', async () => {
    await exercise(false, 'disabled');
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same calls without the option record on that provider', async () => {
    await exercise(undefined, 'default');
    const collected = await collectMetrics(reader);
    expect(instrumentsNamed(collected, ['telltale.'])).toEqual([
      'telltale.resilience.attempt.duration',
      'telltale.resilience.breaker.state',
      'telltale.resilience.events',
    ]);
    const strategies = new Set(
      collected['telltale.resilience.breaker.state']!.points.map((point) => point.attributes['strategy.name']),
    );
    expect([...strategies].sort()).toEqual(['default-alone', 'default-breaker', 'default-isolated']);
    const pipelines = new Set(
      collected['telltale.resilience.attempt.duration']!.points.map((point) => point.attributes['pipeline.name']),
    );
    expect([...pipelines].sort()).toEqual(['default', 'default-alone']);
  });
});
