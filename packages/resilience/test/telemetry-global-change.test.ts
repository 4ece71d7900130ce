// The global meter provider replaced at runtime (metrics.disable(), then another
// setGlobalMeterProvider): pipelines and breakers on the global provider follow it at once, as
// @telltale/metrics' recorders do. This file registers global providers: it runs in its own worker.
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createManualClock } from '@telltale/core';
import { circuitBreaker, constant, pipeline, retry } from '@telltale/resilience';
import { afterAll, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';

// Delta temporality: each collection holds only what was recorded (or observed) since the last.
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

type Points = { points: { attributes: Record<string, unknown>; value: unknown }[] } | undefined;

const providers: MeterProvider[] = [];
afterAll(async () => {
  metrics.disable();
  await Promise.all(providers.map((provider) => provider.shutdown()));
});

function sdk(): TestReader {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  return reader;
}

describe('the global meter provider changes at runtime', () => {
  it('a pipeline and a breaker on the global provider report on the new one, not the old one', async () => {
    const clock = createManualClock();
    const first = sdk();
    const second = sdk();
    metrics.setGlobalMeterProvider(providers[0]!);
    const orders = pipeline('orders', retry({ maxAttempts: 2, backoff: constant(0), clock }));
    const breaker = circuitBreaker({ name: 'payments', clock });
    breaker.isolate();
    const flaky = () => {
      let calls = 0;
      return () => (++calls < 2 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok'));
    };
    await orders.execute(flaky());
    const before = await collectMetrics(first);
    expect((before['telltale.resilience.events'] as Points)?.points.map((point) => point.value)).toEqual([1]);
    expect((before['telltale.resilience.breaker.state'] as Points)?.points).toHaveLength(4);

    metrics.disable();
    metrics.setGlobalMeterProvider(providers[1]!);
    await orders.execute(flaky());
    const after = await collectMetrics(second);
    const old = await collectMetrics(first);
    expect((after['telltale.resilience.events'] as Points)?.points.map((point) => point.value)).toEqual([1]);
    expect(
      (after['telltale.resilience.breaker.state'] as Points)?.points.find(
        (point) => point.attributes['breaker.state'] === 'isolated',
      )?.value,
    ).toBe(1);
    expect(old['telltale.resilience.events']).toBeUndefined();
    expect(old['telltale.resilience.attempt.duration']).toBeUndefined();
    await breaker.close();
  });
});
