import { TelltaleError, createEmitter } from '@telltale/core';
import { createSttTelemetry } from './telemetry.js';
import type { AudioInput, TranscribeOptions, Transcript } from './types.js';
import {
  fallbackSettings,
  type FallbackTranscriber,
  type FallbackTranscriberOptions,
  type ProviderStateChange,
} from './fallback/options.js';
import { ProviderProber } from './fallback/prober.js';
import { providerEntries, type ProviderEntry } from './fallback/provider-entry.js';
import { runChain } from './fallback/run-chain.js';

export type {
  FallbackBreakerOptions,
  FallbackProbeOptions,
  FallbackRetryOptions,
  FallbackTranscriber,
  FallbackTranscriberOptions,
  ProviderStateChange,
} from './fallback/options.js';

/**
 * An ordered fallback over providers, itself an {@link SttProvider}. Each provider sits behind
 * its own `@telltale/resilience` pipeline (retry → circuit breaker → attempt timeout). A
 * provider whose breaker is not closed is skipped at once (no request pays for a dead
 * primary); `permanent` and `quota-exhausted` errors open it immediately; a background probe
 * with a short clip closes it again when the provider answers. `unsupported` errors (too long,
 * too large) move on without blaming the provider. With `hedgeAfter`, a slow provider races the
 * next one. The result names the provider that produced it and lists every attempt.
 *
 * @example
 * ```ts
 * import { createFallbackTranscriber, deepgramProvider, openaiProvider, pocketsphinxProvider } from '@telltale/stt';
 * const stt = createFallbackTranscriber({
 *   providers: [deepgramProvider({ apiKey }), openaiProvider({ apiKey: openaiKey }), pocketsphinxProvider()],
 *   attemptTimeout: '30s',
 *   breaker: { failureRatio: 0.5, minimumThroughput: 4, window: '1m', halfOpenAfter: '30s' },
 *   retry: { maxAttempts: 2 },
 *   hedgeAfter: '10s',
 * });
 * const transcript = await stt.transcribe({ path: 'call.wav' }, { diarize: true });
 * console.log(transcript.provider, transcript.attempts);
 * ```
 */
export function createFallbackTranscriber(options: FallbackTranscriberOptions): FallbackTranscriber {
  const settings = fallbackSettings(options);
  const { id, logger } = settings;
  const changes = createEmitter<ProviderStateChange>((error) =>
    logger.error({ err: error }, 'onStateChange listener threw'),
  );
  let closed = false;
  const prober = new ProviderProber(settings, () => closed);

  const entries = providerEntries(settings, options, (entry, change) => {
    const reason = entry.lastReason ?? change.reason;
    entry.lastReason = undefined;
    changes.emit({ provider: entry.id, from: change.from, to: change.to, reason });
    if (change.to === 'closed') prober.cancel(entry);
    else prober.schedule(entry);
  });

  // Breaker state is on each breaker's own `telltale.resilience.breaker.state` series.
  const telemetry = createSttTelemetry(options.meterProvider);

  // With probing, only a closed provider takes real traffic; without it, half-open lets requests probe.
  const available = (entry: ProviderEntry): boolean =>
    entry.breaker.state === 'closed' || (!settings.probing && entry.breaker.state === 'half-open');

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    if (closed) throw new TelltaleError('TELLTALE_CLOSED', `Fallback transcriber "${id}" is closed`);
    return runChain({ settings, entries, telemetry, available }, audio, request);
  }

  function close(): Promise<void> {
    if (closed) return Promise.resolve();
    closed = true;
    for (const entry of entries) {
      prober.stop(entry);
      void entry.breaker.close(); // settles synchronously
    }
    telemetry.close();
    return Promise.resolve();
  }

  return {
    id,
    transcribe,
    states: () => Object.fromEntries(entries.map((entry) => [entry.id, entry.breaker.state])),
    onStateChange: (listener) => changes.on(listener),
    async probeNow() {
      await Promise.all(
        entries.filter((entry) => entry.breaker.state !== 'closed').map((entry) => prober.probe(entry)),
      );
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
