import { createRequire } from 'node:module';
import type { CheckEntry } from './check-entry.js';
import type { CheckOutcome } from './run-check.js';

type Attributes = Record<string, string | number | boolean>;
type ObservableResult = { observe(value: number, attributes?: Attributes): void };

/**
 * The slice of `@opentelemetry/api`'s `MeterProvider` this package uses, so the
 * peer stays optional: pass `metrics.getMeterProvider()` or an SDK provider.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { createHealthRegistry, type MeterProviderLike } from '@telltale/health';
 * const meterProvider: MeterProviderLike = metrics.getMeterProvider();
 * const registry = createHealthRegistry({ meterProvider });
 * ```
 */
export interface MeterProviderLike {
  getMeter(
    name: string,
    version?: string,
  ): {
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

/** Records check durations and exposes check statuses. */
export interface HealthTelemetry {
  record(entry: CheckEntry['config'], outcome: CheckOutcome): void;
  close(): void;
}

const BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUSES = ['pass', 'warn', 'fail'] as const;

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
 * `telltale.health.check.duration` (histogram, s) and `telltale.health.status`
 * (gauge, 1 for the current status of each check, 0 for the others).
 */
export function createHealthTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  entries: () => Iterable<CheckEntry>,
): HealthTelemetry {
  const provider = meterProvider === false ? undefined : (meterProvider ?? globalMeterProvider());
  if (!provider) return { record() {}, close() {} };
  const meter = provider.getMeter('@telltale/health');
  const duration = meter.createHistogram('telltale.health.check.duration', {
    description: 'Duration of health check runs',
    unit: 's',
    advice: { explicitBucketBoundaries: BUCKETS_SECONDS },
  });
  const status = meter.createObservableGauge('telltale.health.status', {
    description: 'Current status of each health check: 1 for the current check.status, 0 for the others',
    unit: '1',
  });
  const observe = (result: ObservableResult): void => {
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
  };
  status.addCallback(observe);
  return {
    record(config, outcome) {
      duration.record(outcome.durationMilliseconds / 1000, {
        'check.name': config.key,
        'check.status': outcome.status,
      });
    },
    close() {
      status.removeCallback(observe);
    },
  };
}
