import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SttProviderError, createFallbackTranscriber, silentWav, type SttProvider } from '@telltale/stt';
import { describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';

const transcript = (provider: string) => ({
  text: 'ok',
  words: [],
  segments: [],
  provider,
  warnings: [],
  metadata: {},
});
const providers: SttProvider[] = [
  {
    id: 'primary',
    transcribe: () => Promise.reject(new SttProviderError('401', { provider: 'primary', kind: 'permanent' })),
  },
  { id: 'backup', transcribe: () => Promise.resolve(transcript('backup')) },
];

describe('fallback transcriber telemetry after close()', () => {
  it('reports each provider breaker once while open and nothing once the transcriber is closed', async () => {
    // Delta temporality: a callback still registered after close() would show up as points.
    const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const stt = createFallbackTranscriber({ providers, attemptTimeout: 1000, meterProvider });
    await stt.transcribe({ data: silentWav(0.1) });

    const open = await collectMetrics(reader);
    const names = new Set(
      open['telltale.resilience.breaker.state']!.points.map((point) => point.attributes['strategy.name']),
    );
    expect([...names].sort()).toEqual(['stt.backup', 'stt.primary']);
    expect(open['telltale.stt.breaker.state']).toBeUndefined();

    await stt.close();
    const closed = await collectMetrics(reader);
    expect(closed['telltale.resilience.breaker.state']?.points ?? []).toEqual([]);
    expect(closed['telltale.stt.breaker.state']).toBeUndefined();
    await meterProvider.shutdown();
  });
});
