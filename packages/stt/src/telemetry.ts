import { metrics, type Attributes, type MeterProvider } from '@opentelemetry/api';

/** The STT instruments. With no OpenTelemetry SDK registered they are no-ops. */
export interface SttTelemetry {
  /** One provider attempt finished: `telltale.stt.request.duration` (s) by provider and outcome. */
  attempt(provider: string, outcome: string, seconds: number): void;
  /** A request moved on from `provider` (`reason`: breaker-open, failure kind, timeout, rejected, hedge). */
  fallback(provider: string, reason: string): void;
  /** Audio seconds transcribed by `provider`. */
  audio(provider: string, seconds: number): void;
}

/**
 * Request-duration buckets (seconds): STT calls run from ~100 ms to minutes.
 *
 * @example
 * ```ts
 * import { STT_DURATION_BUCKETS } from '@telltale/stt';
 * STT_DURATION_BUCKETS[0]; // 0.05 (seconds)
 * ```
 */
export const STT_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Creates the instruments on `meterProvider` (default: the global one) and, when `states` is
 * given, the `telltale.stt.breaker.state` observable gauge (1 for the provider's current state,
 * 0 for the others).
 */
export function createSttTelemetry(
  meterProvider: MeterProvider | undefined,
  states?: () => Iterable<[provider: string, state: string]>,
): SttTelemetry {
  const meter = (meterProvider ?? metrics).getMeter('@telltale/stt');
  const duration = meter.createHistogram('telltale.stt.request.duration', {
    description: 'Duration of speech-to-text provider attempts',
    unit: 's',
    advice: { explicitBucketBoundaries: STT_DURATION_BUCKETS },
  });
  const fallbacks = meter.createCounter('telltale.stt.fallbacks', {
    description: 'Requests that moved on from a provider to the next one',
    unit: '{fallback}',
  });
  const audioSeconds = meter.createCounter('telltale.stt.audio.duration', {
    description: 'Seconds of audio transcribed',
    unit: 's',
  });
  if (states) {
    const gauge = meter.createObservableGauge('telltale.stt.breaker.state', {
      description: 'Circuit state per provider: 1 for the current state, 0 otherwise',
      unit: '1',
    });
    gauge.addCallback((result) => {
      for (const [provider, current] of states()) {
        for (const state of ['closed', 'open', 'half-open', 'isolated']) {
          result.observe(state === current ? 1 : 0, { provider, state });
        }
      }
    });
  }
  return {
    attempt(provider, outcome, seconds) {
      duration.record(seconds, { provider, outcome } satisfies Attributes);
    },
    fallback(provider, reason) {
      fallbacks.add(1, { provider, reason });
    },
    audio(provider, seconds) {
      if (seconds > 0) audioSeconds.add(seconds, { provider });
    },
  };
}
