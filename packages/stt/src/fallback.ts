import type { MeterProvider } from '@opentelemetry/api';
import {
  TelltaleConfigError,
  TelltaleError,
  abortError,
  createEmitter,
  describeError,
  options as validate,
  resolveLogger,
  systemClock,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
import {
  circuitBreaker,
  pipeline,
  retry,
  timeout,
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  type CircuitState,
  type Pipeline,
  type RetryOptions,
} from '@telltale/resilience';
import { silentWav } from './audio.js';
import { applyDiarization } from './diarization.js';
import { errorKind } from './errors.js';
import { createSttTelemetry } from './telemetry.js';
import type { AttemptReport, AudioInput, SttProvider, TranscribeOptions, Transcript } from './types.js';

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
  meterProvider?: MeterProvider;
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

interface Entry {
  provider: SttProvider;
  id: string;
  breaker: CircuitBreakerPolicy;
  pipeline: Pipeline;
  probeTimer: TimerHandle | undefined;
  probing: AbortController | undefined;
  lastReason: string | undefined;
}

interface Settled {
  entry: Entry;
  report: AttemptReport;
  startedAt: number;
  controller: AbortController;
  transcript?: Transcript;
  error?: unknown;
}

const HEDGE = Symbol('hedge');

function shortMessage(error: unknown): string {
  const message = describeError(error);
  return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}

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
  const probeInterval = probeOptions ? validate.duration('probe.interval', probeOptions.interval, '30s') : 0;
  const probeTimeout = probeOptions ? validate.duration('probe.timeout', probeOptions.timeout, attemptTimeout) : 0;
  const probeAudio: AudioInput = probeOptions?.audio ?? {
    data: silentWav(0.5),
    mediaType: 'audio/wav',
    filename: 'probe.wav',
  };
  const retryOptions = options.retry === false ? undefined : validate.object('retry', options.retry);
  const maxRetryAfter = validate.duration('retry.maxRetryAfter', retryOptions?.maxRetryAfter, '1s');
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const changes = createEmitter<ProviderStateChange>((error) =>
    logger.error({ err: error }, 'onStateChange listener threw'),
  );
  let closed = false;

  const isFailure = (error: unknown): boolean => {
    const kind = errorKind(error);
    return kind !== undefined && kind !== 'unsupported';
  };
  const retryOn = (error: unknown): boolean => {
    const kind = errorKind(error);
    if (kind === 'retryable') return true;
    if (kind !== 'rate-limited') return false;
    const wait = (error as { retryAfterMs?: number }).retryAfterMs;
    return wait === undefined || wait <= maxRetryAfter;
  };

  const entries: Entry[] = providers.map((provider) => {
    const breakerOptions = typeof options.breaker === 'function' ? options.breaker(provider) : options.breaker;
    const breaker = circuitBreaker({
      ...validate.object(`breaker(${provider.id})`, breakerOptions),
      name: `stt.${provider.id}`,
      isFailure,
      clock,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
    });
    const maxAttempts = retryOptions?.maxAttempts ?? 2;
    const policies =
      retryOptions && maxAttempts > 1
        ? [retry({ ...retryOptions, maxAttempts, retryOn, respectRetryAfter: { max: maxRetryAfter }, clock }), breaker]
        : [breaker];
    const entry: Entry = {
      provider,
      id: provider.id,
      breaker,
      pipeline: pipeline(
        { name: `stt.${provider.id}`, ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}) },
        ...policies,
        timeout({ duration: attemptTimeout, clock, name: 'attempt-timeout' }),
      ),
      probeTimer: undefined,
      probing: undefined,
      lastReason: undefined,
    };
    breaker.onStateChange((change) => {
      const reason = entry.lastReason ?? change.reason;
      entry.lastReason = undefined;
      changes.emit({ provider: entry.id, from: change.from, to: change.to, reason });
      if (change.to === 'closed') cancelProbe(entry);
      else scheduleProbe(entry);
    });
    return entry;
  });

  const telemetry = createSttTelemetry(options.meterProvider, () =>
    entries.map((entry) => [entry.id, entry.breaker.state]),
  );

  // With probing, only a closed provider takes real traffic; without it, half-open lets requests probe.
  const available = (entry: Entry): boolean =>
    entry.breaker.state === 'closed' || (!probeOptions && entry.breaker.state === 'half-open');

  function cancelProbe(entry: Entry): void {
    if (entry.probeTimer !== undefined) clock.clearTimeout(entry.probeTimer);
    entry.probeTimer = undefined;
  }

  function scheduleProbe(entry: Entry): void {
    if (!probeOptions || closed || entry.probeTimer !== undefined || entry.probing) return;
    entry.probeTimer = clock.setTimeout(
      () => {
        entry.probeTimer = undefined;
        void probe(entry);
      },
      probeInterval,
      { background: true },
    );
  }

  async function probe(entry: Entry): Promise<void> {
    if (closed || entry.probing || entry.breaker.state === 'closed') return;
    const controller = new AbortController();
    entry.probing = controller;
    try {
      await timeout({ duration: probeTimeout, clock, name: 'probe-timeout' }).execute(
        ({ signal }) => entry.provider.transcribe(probeAudio, { signal }),
        { signal: controller.signal },
      );
      if (!closed) {
        logger.info({ provider: entry.id }, 'speech-to-text provider answered its probe; closing its breaker');
        entry.lastReason = 'probe-succeeded';
        entry.breaker.reset();
      }
    } catch (error) {
      logger.debug({ provider: entry.id, err: shortMessage(error) }, 'speech-to-text probe failed');
    } finally {
      entry.probing = undefined;
      if ((entry.breaker.state as CircuitState) !== 'closed') scheduleProbe(entry);
    }
  }

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    if (closed) throw new TelltaleError('TELLTALE_CLOSED', `Fallback transcriber "${id}" is closed`);
    const callerSignal = request.signal;
    if (callerSignal?.aborted) throw abortError(callerSignal);
    const attempts: AttemptReport[] = [];
    const running = new Set<Promise<Settled>>();
    const controllers = new Map<Promise<Settled>, Settled>();
    let next = 0;
    let lastStart = 0;
    let lastError: unknown;

    const start = (hedged: boolean): boolean => {
      while (next < entries.length) {
        const entry = entries[next++]!;
        if (!available(entry)) {
          attempts.push({ provider: entry.id, outcome: 'skipped', kind: 'breaker-open', latencyMs: 0 });
          telemetry.fallback(entry.id, 'breaker-open');
          continue;
        }
        const controller = new AbortController();
        const onAbort = (): void => controller.abort(callerSignal?.reason);
        callerSignal?.addEventListener('abort', onAbort, { once: true });
        const report: AttemptReport = { provider: entry.id, outcome: 'success', latencyMs: 0 };
        if (hedged) report.hedged = true;
        attempts.push(report);
        const startedAt = clock.now();
        lastStart = startedAt;
        const base: Settled = { entry, report, startedAt, controller };
        const promise: Promise<Settled> = entry.pipeline
          .execute(({ signal }) => entry.provider.transcribe(audio, { ...request, signal }), {
            signal: controller.signal,
          })
          .then(
            (transcript) => ({ ...base, transcript }),
            (error: unknown) => ({ ...base, error }),
          )
          .finally(() => callerSignal?.removeEventListener('abort', onAbort));
        running.add(promise);
        controllers.set(promise, base);
        return true;
      }
      return false;
    };

    const hedgeTimer = (): { promise: Promise<typeof HEDGE>; cancel: () => void } | undefined => {
      if (hedgeAfter === undefined || next >= entries.length || !entries.slice(next).some(available)) return undefined;
      let handle: TimerHandle | undefined;
      const promise = new Promise<typeof HEDGE>((resolve) => {
        handle = clock.setTimeout(() => resolve(HEDGE), Math.max(0, lastStart + hedgeAfter - clock.now()));
      });
      return { promise, cancel: () => handle !== undefined && clock.clearTimeout(handle) };
    };

    start(false);
    while (running.size > 0) {
      const hedge = hedgeTimer();
      const settled = await Promise.race<Settled | typeof HEDGE>([...running, ...(hedge ? [hedge.promise] : [])]);
      hedge?.cancel();
      if (settled === HEDGE) {
        if (start(true))
          telemetry.fallback(attempts.filter((attempt) => !attempt.hedged).at(-1)?.provider ?? id, 'hedge');
        continue;
      }
      for (const [promise, value] of controllers) {
        if (value.report === settled.report) {
          running.delete(promise);
          controllers.delete(promise);
        }
      }
      const { entry, report } = settled;
      report.latencyMs = clock.now() - settled.startedAt;
      if (settled.transcript) {
        if (isAcceptable(settled.transcript)) {
          telemetry.attempt(entry.id, 'success', report.latencyMs / 1000);
          telemetry.audio(entry.id, settled.transcript.durationSeconds ?? 0);
          for (const other of controllers.values()) {
            other.report.outcome = 'cancelled';
            other.report.latencyMs = clock.now() - other.startedAt;
            other.controller.abort(new TelltaleError('TELLTALE_ABORTED', 'another provider answered first'));
            telemetry.attempt(other.entry.id, 'cancelled', other.report.latencyMs / 1000);
          }
          let transcript: Transcript = { ...settled.transcript, attempts };
          if (request.speakerTurns && request.speakerTurns.length > 0) {
            transcript = applyDiarization(transcript, request.speakerTurns, { fillNearest: true });
          }
          return transcript;
        }
        report.outcome = 'rejected';
        telemetry.attempt(entry.id, 'rejected', report.latencyMs / 1000);
        telemetry.fallback(entry.id, 'rejected');
      } else {
        const error = settled.error;
        if (callerSignal?.aborted) {
          report.outcome = 'cancelled';
          throw abortError(callerSignal);
        }
        lastError = error;
        const kind = errorKind(error);
        report.error = shortMessage(error);
        if (TelltaleError.is(error, 'TELLTALE_TIMEOUT')) report.outcome = 'timeout';
        else if (TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')) report.outcome = 'skipped';
        else report.outcome = 'failure';
        if (report.outcome === 'failure' && kind) report.kind = kind;
        if (report.outcome === 'skipped') report.kind = 'breaker-open';
        const reason =
          report.outcome === 'failure'
            ? (kind ?? 'failure')
            : report.outcome === 'skipped'
              ? 'breaker-open'
              : 'timeout';
        telemetry.attempt(entry.id, reason, report.latencyMs / 1000);
        telemetry.fallback(entry.id, reason);
        logger.warn(
          { provider: entry.id, outcome: report.outcome, kind },
          'speech-to-text provider failed; falling back',
        );
        // Auth and quota failures will not heal by retrying: take the provider out now.
        if ((kind === 'permanent' || kind === 'quota-exhausted') && probeOptions && entry.breaker.state === 'closed') {
          entry.lastReason = `${kind}-error`;
          entry.breaker.isolate();
        }
      }
      if (running.size === 0) start(false);
    }
    throw new TelltaleError(
      'TELLTALE_STT_ALL_PROVIDERS_FAILED',
      `No speech-to-text provider produced a transcript (${attempts.map((attempt) => `${attempt.provider}: ${attempt.kind ?? attempt.outcome}`).join(', ')})`,
      { cause: lastError, details: { attempts } },
    );
  }

  function close(): Promise<void> {
    if (closed) return Promise.resolve();
    closed = true;
    for (const entry of entries) {
      cancelProbe(entry);
      entry.probing?.abort(new TelltaleError('TELLTALE_CLOSED', 'transcriber closed'));
      entry.breaker.close();
    }
    return Promise.resolve();
  }

  return {
    id,
    transcribe,
    states: () => Object.fromEntries(entries.map((entry) => [entry.id, entry.breaker.state])),
    onStateChange: (listener) => changes.on(listener),
    async probeNow() {
      await Promise.all(entries.filter((entry) => entry.breaker.state !== 'closed').map((entry) => probe(entry)));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
