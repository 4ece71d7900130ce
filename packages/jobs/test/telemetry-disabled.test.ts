// `meterProvider: false` (issue #22): the runner and each type's breaker record nothing and ask
// no provider for a meter, while a real SDK provider is the global one. This file registers a
// global provider: it runs in its own worker.
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { createJobs } from '@telltale/jobs';
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

/** Runs one job that succeeds and one that is dead-lettered, both through a breaker. */
async function exercise(meterProvider: false | undefined): Promise<void> {
  const jobs = createJobs({
    ...(meterProvider === false ? { meterProvider } : {}),
    types: {
      mail: { breaker: {}, handler: () => Promise.resolve() },
      sms: { breaker: {}, maxAttempts: 1, handler: () => Promise.reject(new Error('gateway down')) },
    },
  });
  const sent = await jobs.submit('mail', {});
  const failed = await jobs.submit('sms', {});
  await sent.done;
  await failed.done.catch(() => undefined);
  await collectMetrics(reader); // runs the depth gauges while the runner is open
  await jobs.close();
}

describe('jobs with meterProvider: false', () => {
  it('records nothing and asks the global SDK provider for no meter, breakers included', async () => {
    await exercise(false);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same jobs without the option record on that provider', async () => {
    await exercise(undefined);
    const names = instrumentsNamed(await collectMetrics(reader), ['telltale.']);
    expect(names).toEqual(expect.arrayContaining(['telltale.jobs.duration', 'telltale.resilience.breaker.state']));
    expect([...spy.scopes].sort()).toEqual(['@telltale/jobs', '@telltale/resilience']);
  });
});
