// `meterProvider: false` (issue #22): the transcriber and its providers' breakers and pipelines
// record nothing and ask no provider for a meter, while a real SDK provider is the global one.
// This file registers a global provider: it runs in its own worker.
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SttProviderError, createFallbackTranscriber, silentWav, type SttProvider } from '@telltale/stt';
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

const providers: SttProvider[] = [
  {
    id: 'primary',
    transcribe: () => Promise.reject(new SttProviderError('401', { provider: 'primary', kind: 'permanent' })),
  },
  {
    id: 'backup',
    transcribe: () =>
      Promise.resolve({ text: 'ok', words: [], segments: [], provider: 'backup', warnings: [], metadata: {} }),
  },
];

/** Falls back from a failing provider to a working one. */
async function exercise(meterProvider: false | undefined): Promise<void> {
  const stt = createFallbackTranscriber({
    providers,
    attemptTimeout: 1000,
    ...(meterProvider === false ? { meterProvider } : {}),
  });
  try {
    await expect(stt.transcribe({ data: silentWav(0.1) })).resolves.toMatchObject({ text: 'ok', provider: 'backup' });
    await collectMetrics(reader); // runs any gauge callback while the transcriber is open
  } finally {
    await stt.close();
  }
}

describe('fallback transcriber with meterProvider: false', () => {
  it('records nothing and asks the global SDK provider for no meter, provider breakers included', async () => {
    await exercise(false);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual([]);
    expect([...spy.scopes]).toEqual([]);
  });

  it('while the same transcriber without the option records on that provider', async () => {
    await exercise(undefined);
    expect(instrumentsNamed(await collectMetrics(reader), ['telltale.'])).toEqual(
      expect.arrayContaining([
        'telltale.resilience.attempt.duration',
        'telltale.stt.fallbacks',
        'telltale.stt.request.duration',
      ]),
    );
    expect([...spy.scopes].sort()).toEqual(['@telltale/resilience', '@telltale/stt']);
  });
});
