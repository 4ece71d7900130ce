// `meterProvider: false` (issue #22): the hub records nothing and asks no provider for a meter,
// while a real SDK provider is the global one. This file registers a global provider: it runs
// in its own worker.
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';
import { instrumentsNamed, watchScopes } from '../../../test-support/meter-scopes.js';
import { openSse, startHub, until } from './helpers.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const sdk = new MeterProvider({ readers: [reader] });
const spy = watchScopes(sdk);
metrics.setGlobalMeterProvider(spy.provider);
afterAll(async () => {
  metrics.disable();
  await sdk.shutdown();
});

/** Connects one SSE client, publishes one message to it and refuses a second client. */
async function exercise(meterProvider: false | undefined): Promise<void> {
  const hub = await startHub({ maxConnectionsPerKey: 1, ...(meterProvider === false ? { meterProvider } : {}) });
  try {
    const client = await openSse(`${hub.base}/live/t`);
    expect(client.status).toBe(200);
    await until(() => hub.hub.stats().connections === 1);
    expect((await fetch(`${hub.base}/live/t?after=0`)).status).toBe(429);
    expect(await hub.hub.publish('t', { data: 'one' })).toBe(1);
    expect((await client.waitFor(1)).map((frame) => frame.data)).toEqual(['"one"']);
    await collectMetrics(reader); // runs any gauge callback while the hub is open
    client.close();
  } finally {
    await hub.close();
  }
}

describe('live hub with meterProvider: false', () => {
  it('records nothing and asks the global SDK provider for no meter', async () => {
    await exercise(false);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same hub without the option records on that provider', async () => {
    await exercise(undefined);
    const collected = await collectMetrics(reader);
    expect(instrumentsNamed(collected, ['telltale.'])).toEqual(
      expect.arrayContaining(['telltale.live.connections', 'telltale.live.messages', 'telltale.live.refusals']),
    );
    expect([...spy.scopes]).toEqual(['@telltale/live']);
  });
});
