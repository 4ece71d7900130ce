import { createRequire } from 'node:module';
import { gauge, histogram, telemetrySource, type MeterProviderLike } from '@telltale/core';
import type { CheckEntry } from './check-entry.js';
import type { CheckOutcome } from './run-check.js';

// `createHealthRegistry({ meterProvider })` keeps this export name; it is core's one provider type.
export type { MeterProviderLike } from '@telltale/core';

/** Records check durations and exposes check statuses. */
export interface HealthTelemetry {
  record(entry: CheckEntry['config'], outcome: CheckOutcome): void;
  close(): void;
}

const BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUSES = ['pass', 'warn', 'fail'] as const;
const source = telemetrySource({ scope: '@telltale/health', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  duration: histogram('telltale.health.check.duration', { unit: 's', description: 'Duration of health check runs', buckets: BUCKETS_SECONDS }),
  status: gauge('telltale.health.status', { unit: '1', description: 'Current status of each health check: 1 for the current check.status, 0 for the others' }),
};

/**
 * `telltale.health.check.duration` (histogram, s) and `telltale.health.status`
 * (gauge, 1 for the current status of each check, 0 for the others).
 */
export function createHealthTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  entries: () => Iterable<CheckEntry>,
): HealthTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { duration, status } = telemetry.instruments;
  telemetry.observe(status, (result) => {
    for (const entry of entries()) {
      const last = entry.last();
      if (!last) continue;
      for (const candidate of STATUSES) {
        result.observe(candidate === last.status ? 1 : 0, {
          'check.name': entry.config.key,
          'check.status': candidate,
        });
      }
    }
  });
  return {
    record(config, outcome) {
      duration.record(outcome.durationMilliseconds / 1000, {
        'check.name': config.key,
        'check.status': outcome.status,
      });
    },
    close: () => telemetry.close(),
  };
}
