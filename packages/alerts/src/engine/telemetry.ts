import { createRequire } from 'node:module';

type Attributes = Record<string, string | number | boolean>;
type ObservableResult = { observe(value: number, attributes?: Attributes): void };

/**
 * The slice of `@opentelemetry/api`'s `MeterProvider` the engine uses, so the
 * peer stays optional: pass `metrics.getMeterProvider()` or an SDK provider.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import type { MeterProviderLike } from '@telltale/alerts';
 * const meterProvider: MeterProviderLike = metrics.getMeterProvider();
 * ```
 */
export interface MeterProviderLike {
  getMeter(
    name: string,
    version?: string,
  ): {
    createCounter(
      name: string,
      options?: { description?: string; unit?: string },
    ): { add(value: number, attributes?: Attributes): void };
    createHistogram(
      name: string,
      options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
    ): { record(value: number, attributes?: Attributes): void };
    createObservableGauge(
      name: string,
      options?: { description?: string; unit?: string },
    ): {
      addCallback(callback: (result: ObservableResult) => void): void;
      removeCallback(callback: (result: ObservableResult) => void): void;
    };
  };
}

/** What the engine records. */
export interface EngineTelemetry {
  evaluation(group: string, seconds: number, failedRules: number): void;
  notification(receiver: string, outcome: 'success' | 'failure'): void;
  close(): void;
}

const BUCKETS_SECONDS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function globalMeterProvider(): MeterProviderLike | undefined {
  try {
    // The peer is optional: without it there is simply no telemetry.
    const api = createRequire(import.meta.url)('@opentelemetry/api') as {
      metrics: { getMeterProvider(): MeterProviderLike };
    };
    return api.metrics.getMeterProvider();
  } catch {
    return undefined;
  }
}

/**
 * `telltale.alerts.evaluations` (counter), `telltale.alerts.evaluation.duration`
 * (histogram, s), `telltale.alerts.notifications` (counter) and
 * `telltale.alerts.alerts` (gauge, like Prometheus' `ALERTS{alertstate}` counted per rule).
 */
export function createEngineTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  alertCounts: () => Iterable<{ alertname: string; alertstate: string; count: number }>,
): EngineTelemetry {
  const provider = meterProvider === false ? undefined : (meterProvider ?? globalMeterProvider());
  if (!provider) return { evaluation() {}, notification() {}, close() {} };
  const meter = provider.getMeter('@telltale/alerts');
  const evaluations = meter.createCounter('telltale.alerts.evaluations', {
    description: 'Rule group evaluations',
    unit: '{evaluation}',
  });
  const duration = meter.createHistogram('telltale.alerts.evaluation.duration', {
    description: 'Duration of rule group evaluations',
    unit: 's',
    advice: { explicitBucketBoundaries: BUCKETS_SECONDS },
  });
  const notifications = meter.createCounter('telltale.alerts.notifications', {
    description: 'Alert group delivery attempts',
    unit: '{notification}',
  });
  const alerts = meter.createObservableGauge('telltale.alerts.alerts', {
    description: 'Pending and firing alerts per rule',
    unit: '{alert}',
  });
  const observe = (result: ObservableResult): void => {
    for (const { alertname, alertstate, count } of alertCounts()) result.observe(count, { alertname, alertstate });
  };
  alerts.addCallback(observe);
  return {
    evaluation(group, seconds, failedRules) {
      const attributes = { 'rule_group.name': group, outcome: failedRules > 0 ? 'failure' : 'success' };
      evaluations.add(1, attributes);
      duration.record(seconds, { 'rule_group.name': group });
    },
    notification(receiver, outcome) {
      notifications.add(1, { receiver, outcome });
    },
    close() {
      alerts.removeCallback(observe);
    },
  };
}
