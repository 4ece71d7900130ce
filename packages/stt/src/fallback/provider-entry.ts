import { options as validate, type TimerHandle } from '@telltale/core';
import {
  circuitBreaker,
  pipeline,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type CircuitStateChange,
  type Pipeline,
} from '@telltale/resilience';
import { errorKind } from '../errors.js';
import type { SttProvider } from '../types.js';
import type { FallbackSettings, FallbackTranscriberOptions } from './options.js';

/** One provider of the chain with its breaker, its pipeline and its probing state. */
export interface ProviderEntry {
  provider: SttProvider;
  id: string;
  breaker: CircuitBreakerPolicy;
  pipeline: Pipeline;
  probeTimer: TimerHandle | undefined;
  probing: AbortController | undefined;
  /** Reason to report for the next breaker change when the transcriber caused it (probe, permanent error). */
  lastReason: string | undefined;
}

/** Failures that blame the provider: every typed STT error but `unsupported` (too long, too large). */
function isFailure(error: unknown): boolean {
  const kind = errorKind(error);
  return kind !== undefined && kind !== 'unsupported';
}

/** Retry `retryable` errors, and `rate-limited` ones whose Retry-After is at most `maxRetryAfter`. */
function retryOnFor(maxRetryAfter: number): (error: unknown) => boolean {
  return (error) => {
    const kind = errorKind(error);
    if (kind === 'retryable') return true;
    if (kind !== 'rate-limited') return false;
    const wait = (error as { retryAfterMs?: number }).retryAfterMs;
    return wait === undefined || wait <= maxRetryAfter;
  };
}

/**
 * Builds each provider's entry: retry → circuit breaker → attempt timeout,
 * with `onStateChange` called on every breaker transition.
 */
export function providerEntries(
  settings: FallbackSettings,
  options: Pick<FallbackTranscriberOptions, 'breaker' | 'logger' | 'meterProvider'>,
  onStateChange: (entry: ProviderEntry, change: CircuitStateChange) => void,
): ProviderEntry[] {
  const { clock, maxRetryAfter, attemptTimeout } = settings;
  const retryOptions = settings.retry;
  const retryOn = retryOnFor(maxRetryAfter);
  return settings.providers.map((provider) => {
    const breakerOptions = typeof options.breaker === 'function' ? options.breaker(provider) : options.breaker;
    const breaker = circuitBreaker({
      ...validate.object(`breaker(${provider.id})`, breakerOptions),
      name: `stt.${provider.id}`,
      isFailure,
      clock,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
    });
    const maxAttempts = retryOptions?.maxAttempts ?? 2;
    const policies =
      retryOptions && maxAttempts > 1
        ? [retry({ ...retryOptions, maxAttempts, retryOn, respectRetryAfter: { max: maxRetryAfter }, clock }), breaker]
        : [breaker];
    const entry: ProviderEntry = {
      provider,
      id: provider.id,
      breaker,
      pipeline: pipeline(
        {
          name: `stt.${provider.id}`,
          ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
        },
        ...policies,
        timeout({ duration: attemptTimeout, clock, name: 'attempt-timeout' }),
      ),
      probeTimer: undefined,
      probing: undefined,
      lastReason: undefined,
    };
    breaker.onStateChange((change) => onStateChange(entry, change));
    return entry;
  });
}
