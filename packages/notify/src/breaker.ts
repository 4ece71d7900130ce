import { TelltaleError, type Clock, type DurationInput, type Logger, type MeterProviderLike } from '@telltale/core';
import { circuitBreaker } from '@telltale/resilience';
import { classify } from './errors.js';

/**
 * Circuit-breaker settings applied to every channel (see `@telltale/resilience`'s `circuitBreaker`).
 *
 * @example
 * ```ts
 * createNotifier({ channels, breaker: { failureRatio: 0.5, minimumThroughput: 20, halfOpenAfter: '1m' } });
 * ```
 */
export interface ChannelBreakerOptions {
  /** Open when this ratio of attempts in the window fail retryably; default 0.5. */
  failureRatio?: number;
  /** Attempts in the window before the ratio counts; default 10. */
  minimumThroughput?: number;
  /** Rolling window; default `'30s'`. */
  window?: DurationInput;
  /** Time open before probing; default `'30s'`. */
  halfOpenAfter?: DurationInput;
}

/** The little the queue needs from a breaker, so the implementation can change. */
export interface ChannelBreaker {
  execute<T>(operation: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  readonly state: string;
  close(): void;
}

/**
 * A per-channel breaker from `@telltale/resilience`. Only retryable failures
 * (5xx, connection errors) count: a permanent 4xx is the message's fault and
 * a 429 is handled by pausing the channel. `meterProvider: false` is passed on:
 * the breaker then registers no state gauge.
 */
export function createChannelBreaker(
  channel: string,
  options: ChannelBreakerOptions,
  context: { clock: Clock; logger: Logger; meterProvider: MeterProviderLike | false | undefined },
): ChannelBreaker {
  const breaker = circuitBreaker({
    name: `notify.${channel}`,
    failureRatio: options.failureRatio ?? 0.5,
    minimumThroughput: options.minimumThroughput ?? 10,
    window: options.window ?? '30s',
    halfOpenAfter: options.halfOpenAfter ?? '30s',
    isFailure: (error) => classify(error) === 'retryable' && !TelltaleError.is(error, 'TELLTALE_ABORTED'),
    clock: context.clock,
    logger: context.logger,
    ...(context.meterProvider === undefined ? {} : { meterProvider: context.meterProvider }),
  });
  return {
    execute: (operation, signal) => breaker.execute(({ signal: callSignal }) => operation(callSignal), { signal }),
    get state() {
      return breaker.state;
    },
    close: () => void breaker.close(), // settles synchronously
  };
}

/** True for the breaker's fast rejection; returns the wait it suggests, if any. */
export function circuitOpenWait(error: unknown): number | undefined | false {
  if (!TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')) return false;
  const wait = error.details.retryAfterMs;
  return typeof wait === 'number' ? wait : undefined;
}
