// `meterProvider: false` (issue #22): the notifier and its channel breakers record nothing and
// ask no provider for a meter, while a real SDK provider is the global one. This file registers
// a global provider: it runs in its own worker.
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { createNotifier, memoryChannel } from '@telltale/notify';
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

/** Delivers one message through a channel with the default breaker. */
async function exercise(meterProvider: false | undefined): Promise<void> {
  const channel = memoryChannel();
  const notifier = createNotifier({
    channels: { email: channel },
    ...(meterProvider === false ? { meterProvider } : {}),
  });
  try {
    await notifier.send({ subject: 'disk at 90%', text: 'disk at 90%' });
    await notifier.flush({ timeout: '5s' });
    expect(channel.delivered).toHaveLength(1);
    await collectMetrics(reader); // runs any gauge callback while the notifier is open
  } finally {
    await notifier.close();
  }
}

describe('notifier with meterProvider: false', () => {
  it('delivers, records nothing and asks the global SDK provider for no meter, breakers included', async () => {
    await exercise(false);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same notifier without the option records on that provider', async () => {
    await exercise(undefined);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual(
      expect.arrayContaining(['telltale.notify.deliveries', 'telltale.resilience.breaker.state']),
    );
    expect([...spy.scopes].sort()).toEqual(['@telltale/notify', '@telltale/resilience']);
  });
});
