import {
  TelltaleConfigError,
  options as validate,
  resolveLogger,
  systemClock,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
  type MeterProviderLike,
} from '@telltale/core';
import type { CircuitBreakerOptions, CircuitState, RetryOptions } from '@telltale/resilience';
import { silentWav } from '../audio.js';
import type { AudioInput, SttProvider, Transcript } from '../types.js';

/** Breaker settings applied to each provider (name, failure rule and clock are set for you). */
export type FallbackBreakerOptions = Omit<
  CircuitBreakerOptions,
  'name' | 'isFailure' | 'clock' | 'meterProvider' | 'logger'
>;

/** Retry settings applied to each provider before moving on (`retryOn` is set for you). */
export type FallbackRetryOptions = Omit<RetryOptions, 'retryOn' | 'clock' | 'name' | 'respectRetryAfter'> & {
  /**
   * Retry a 429 on the same provider only when its `Retry-After` is at most this long
   * (default `1s`); longer waits move on to the next provider at once.
   */
  maxRetryAfter?: DurationInput;
};

/** Background probing of providers whose breaker is not closed. */
export interface FallbackProbeOptions {
  /** Time between probes of a provider (default `30s`). */
  interval?: DurationInput;
  /** The probe clip (default: 0.5 s of 16 kHz silence; an empty transcript is a success). */
  audio?: AudioInput;
  /** Time limit of one probe (default: `attemptTimeout`). */
  timeout?: DurationInput;
}

/** Options of {@link createFallbackTranscriber}. */
export interface FallbackTranscriberOptions {
  /** Providers in order of preference. Ids must be unique. */
  providers: readonly SttProvider[];
  /** Time limit of one attempt on one provider (each retry gets its own). */
  attemptTimeout: DurationInput;
  /**
   * Circuit breaker settings for every provider (defaults: `@telltale/resilience`'s), or a
   * function giving each provider its own, e.g. a `slowCall` rule for the primary only.
   */
  breaker?: FallbackBreakerOptions | ((provider: SttProvider) => FallbackBreakerOptions | undefined);
  /** Per-provider retries of `retryable` and short `rate-limited` failures, or `false` (default: 2 attempts). */
  retry?: FallbackRetryOptions | false;
  /** Start the next provider in parallel when one has not answered after this long; the first good answer wins. */
  hedgeAfter?: DurationInput;
  /** Reject a transcript and move on (e.g. low confidence). Empty transcripts of silence are acceptable by default. */
  isAcceptable?: (transcript: Transcript) => boolean;
  /** Probe providers whose breaker is open so they come back by themselves, or `false`. */
  probe?: FallbackProbeOptions | false;
  /** Id of the transcriber itself (default `fallback`). */
  id?: string;
  clock?: Clock;
  logger?: Partial<Logger>;
  /**
   * Meter provider for the transcriber's instruments and its providers' breakers and pipelines
   * (default: the global one), or `false` to disable telemetry: nothing is recorded, no instrument
   * or callback is registered, and each provider's breaker and pipeline gets `false` too.
   */
  meterProvider?: MeterProviderLike | false;
}

/** A provider's breaker changed state. */
export interface ProviderStateChange {
  provider: string;
  from: CircuitState;
  to: CircuitState;
  /** `failure-ratio`, `permanent-error`, `probe-succeeded`, ... */
  reason: string;
}

/** The fallback transcriber: an {@link SttProvider} with breaker state, probing and `close()`. */
export interface FallbackTranscriber extends SttProvider {
  /** Breaker state of every provider, by id. */
  states(): Record<string, CircuitState>;
  /** Listens to provider breaker state changes. */
  onStateChange(listener: (change: ProviderStateChange) => void): Disposable;
  /** Probes every provider whose breaker is not closed now; resolves when done. */
  probeNow(): Promise<void>;
  /** Stops probing, aborts in-flight probes and closes the breakers. Providers are not closed. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The validated options: durations in milliseconds, defaults filled in. */
export interface FallbackSettings {
  readonly providers: readonly SttProvider[];
  readonly id: string;
  readonly attemptTimeout: number;
  readonly hedgeAfter: number | undefined;
  readonly isAcceptable: (transcript: Transcript) => boolean;
  /** False with `probe: false`: no background probes (`probeNow()` still probes, as before). */
  readonly probing: boolean;
  /** Probe interval and time limit (both 0 when probing is off) and clip. */
  readonly probe: { readonly interval: number; readonly timeout: number; readonly audio: AudioInput };
  /** Per-provider retry settings, or `undefined` when `retry: false`. */
  readonly retry: FallbackRetryOptions | undefined;
  readonly maxRetryAfter: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Validates the options at construction; a bad one throws `TELLTALE_CONFIG` naming it. */
export function fallbackSettings(options: FallbackTranscriberOptions): FallbackSettings {
  validate.object('createFallbackTranscriber', options);
  if (!Array.isArray(options.providers) || options.providers.length === 0) {
    throw new TelltaleConfigError({
      option: 'providers',
      value: options.providers,
      expected: 'a non-empty array of SttProvider',
    });
  }
  const providers: readonly SttProvider[] = options.providers;
  providers.forEach((provider, index) => {
    if (
      typeof provider !== 'object' ||
      provider === null ||
      typeof provider.transcribe !== 'function' ||
      typeof provider.id !== 'string'
    ) {
      throw new TelltaleConfigError({
        option: `providers[${index}]`,
        value: provider,
        expected: 'an SttProvider ({ id, transcribe })',
      });
    }
    if (providers.findIndex((other) => other.id === provider.id) !== index) {
      throw new TelltaleConfigError({
        option: `providers[${index}].id`,
        value: provider.id,
        expected: 'a unique provider id',
      });
    }
  });
  const id = validate.nonEmptyString('id', options.id, 'fallback');
  const attemptTimeout = validate.duration('attemptTimeout', options.attemptTimeout);
  if (attemptTimeout <= 0)
    throw new TelltaleConfigError({
      option: 'attemptTimeout',
      value: options.attemptTimeout,
      expected: 'a duration > 0',
    });
  const hedgeAfter = options.hedgeAfter === undefined ? undefined : validate.duration('hedgeAfter', options.hedgeAfter);
  const isAcceptable =
    validate.optionalFunction<(transcript: Transcript) => boolean>('isAcceptable', options.isAcceptable) ??
    (() => true);
  const probeOptions = options.probe === false ? undefined : validate.object('probe', options.probe);
  const probe = {
    interval: probeOptions ? validate.duration('probe.interval', probeOptions.interval, '30s') : 0,
    timeout: probeOptions ? validate.duration('probe.timeout', probeOptions.timeout, attemptTimeout) : 0,
    audio: probeOptions?.audio ?? { data: silentWav(0.5), mediaType: 'audio/wav', filename: 'probe.wav' },
  };
  const retry = options.retry === false ? undefined : validate.object('retry', options.retry);
  const maxRetryAfter = validate.duration('retry.maxRetryAfter', retry?.maxRetryAfter, '1s');
  return {
    providers,
    id,
    attemptTimeout,
    hedgeAfter,
    isAcceptable,
    probing: probeOptions !== undefined,
    probe,
    retry,
    maxRetryAfter,
    clock: options.clock ?? systemClock,
    logger: resolveLogger(options.logger),
  };
}
