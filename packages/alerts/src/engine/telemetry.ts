import { createRequire } from 'node:module';
import { counter, gauge, histogram, telemetrySource, type MeterProviderLike } from '@telltale/core';

// The name the engine's options have always used: now core's one structural provider type.
export type { MeterProviderLike } from '@telltale/core';

/** What the engine records. */
export interface EngineTelemetry {
  evaluation(group: string, seconds: number, failedRules: number): void;
  notification(receiver: string, outcome: 'success' | 'failure'): void;
  close(): void;
}

const BUCKETS_SECONDS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const source = telemetrySource({ scope: '@telltale/alerts', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  evaluations: counter('telltale.alerts.evaluations', { unit: '{evaluation}', description: 'Rule group evaluations' }),
  duration: histogram('telltale.alerts.evaluation.duration', { unit: 's', description: 'Duration of rule group evaluations', buckets: BUCKETS_SECONDS }),
  notifications: counter('telltale.alerts.notifications', { unit: '{notification}', description: 'Alert group delivery attempts' }),
  alerts: gauge('telltale.alerts.alerts', { unit: '{alert}', description: 'Pending and firing alerts per rule' }),
};

/**
 * `telltale.alerts.evaluations` (counter), `telltale.alerts.evaluation.duration`
 * (histogram, s), `telltale.alerts.notifications` (counter) and
 * `telltale.alerts.alerts` (gauge, like Prometheus' `ALERTS{alertstate}` counted per rule).
 */
export function createEngineTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  alertCounts: () => Iterable<{ alertname: string; alertstate: string; count: number }>,
): EngineTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { evaluations, duration, notifications, alerts } = telemetry.instruments;
  telemetry.observe(alerts, (result) => {
    for (const { alertname, alertstate, count } of alertCounts()) result.observe(count, { alertname, alertstate });
  });
  return {
    evaluation(group, seconds, failedRules) {
      const attributes = { 'rule_group.name': group, outcome: failedRules > 0 ? 'failure' : 'success' };
      evaluations.add(1, attributes);
      duration.record(seconds, { 'rule_group.name': group });
    },
    notification(receiver, outcome) {
      notifications.add(1, { receiver, outcome });
    },
    close: () => telemetry.close(),
  };
}
