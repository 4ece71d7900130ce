import { createRequire } from 'node:module';
import { counter, histogram, telemetrySource, type MeterProviderLike } from '@telltale/core';

/** The STT instruments. With no OpenTelemetry SDK registered they are no-ops. */
export interface SttTelemetry {
  /** One provider attempt finished: `telltale.stt.request.duration` (s) by provider and outcome. */
  attempt(provider: string, outcome: string, seconds: number): void;
  /** A request moved on from `provider` (`reason`: breaker-open, failure kind, timeout, rejected, hedge). */
  fallback(provider: string, reason: string): void;
  /** Audio seconds transcribed by `provider`. */
  audio(provider: string, seconds: number): void;
  /** Releases what the instruments registered; the transcriber's `close()` calls it. */
  close(): void;
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

const source = telemetrySource({ scope: '@telltale/stt', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  duration: histogram('telltale.stt.request.duration', { unit: 's', description: 'Duration of speech-to-text provider attempts', buckets: STT_DURATION_BUCKETS }),
  fallbacks: counter('telltale.stt.fallbacks', { unit: '{fallback}', description: 'Requests that moved on from a provider to the next one' }),
  audioSeconds: counter('telltale.stt.audio.duration', { unit: 's', description: 'Seconds of audio transcribed' }),
};

/**
 * Creates the instruments on `meterProvider` (default: the global one; `false` for none). Breaker
 * state is not reported here: each provider's breaker reports it on
 * `telltale.resilience.breaker.state` (`strategy.name` = `stt.<provider id>`).
 */
export function createSttTelemetry(meterProvider: MeterProviderLike | false | undefined): SttTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { duration, fallbacks, audioSeconds } = telemetry.instruments;
  return {
    attempt(provider, outcome, seconds) {
      duration.record(seconds, { provider, outcome });
    },
    fallback(provider, reason) {
      fallbacks.add(1, { provider, reason });
    },
    audio(provider, seconds) {
      if (seconds > 0) audioSeconds.add(seconds, { provider });
    },
    close: () => telemetry.close(),
  };
}
