import {
  formatDuration,
  options as validate,
  systemClock,
  TelltaleConfigError,
  TelltaleError,
  type Clock,
  type DurationInput,
} from '@telltale/core';
import type { HealthCheckResult } from '../types.js';

/**
 * Options shared by the datastore checks (`postgresCheck`, `redisCheck`).
 *
 * @example
 * ```ts
 * import type { DatastoreCheckOptions } from '@telltale/health';
 * const options: DatastoreCheckOptions = { degradedAfter: '500ms', timeout: '2s' };
 * ```
 */
export interface DatastoreCheckOptions {
  /** A probe slower than this reports `warn` (degraded). Default `500ms`. */
  degradedAfter?: DurationInput;
  /** A probe slower than this fails with `TELLTALE_TIMEOUT` (the datastore is unreachable or stuck). Default `2s`. */
  timeout?: DurationInput;
  /** Clock for the timeout and the measured time (tests). Default the system clock. */
  clock?: Clock;
}

/** Validated datastore check options, in milliseconds. */
export interface ProbeSettings {
  readonly degradedAfter: number;
  readonly timeout: number;
  readonly clock: Clock;
}

export function resolveProbeSettings(check: string, options: DatastoreCheckOptions | undefined): ProbeSettings {
  const given = validate.object(`${check}.options`, options);
  const degradedAfter = validate.duration(`${check}.degradedAfter`, given.degradedAfter, '500ms');
  const timeout = validate.duration(`${check}.timeout`, given.timeout, '2s');
  if (timeout <= 0) {
    throw new TelltaleConfigError({
      option: `${check}.timeout`,
      value: given.timeout,
      expected: 'a positive duration',
    });
  }
  return { degradedAfter, timeout, clock: given.clock ?? systemClock };
}

/**
 * Runs `probe` bounded by the timeout and the registry's abort signal and
 * grades the round trip: `pass`, `warn` once it takes `degradedAfter` or
 * longer, and a rejection (`TELLTALE_TIMEOUT` past the timeout, the driver's
 * error when the datastore is down) that the registry reports as `fail`;
 * a probe that resolves a string fails with that output (answered, but wrongly).
 * `probe` gets `isAbandoned()` so late work (a connection handed over after
 * the timeout) can be released at once.
 */
export function runProbe(
  name: string,
  settings: ProbeSettings,
  signal: AbortSignal,
  probe: (isAbandoned: () => boolean) => Promise<string | undefined | void>,
): Promise<HealthCheckResult> {
  const { clock, timeout, degradedAfter } = settings;
  const started = clock.now();
  let abandoned = false;
  return new Promise<HealthCheckResult>((resolve, reject) => {
    const settle = (outcome: () => void): void => {
      if (abandoned) return;
      abandoned = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    // Not a background timer: the caller awaits this answer.
    const timer = clock.setTimeout(
      () =>
        settle(() =>
          reject(
            new TelltaleError('TELLTALE_TIMEOUT', `${name} probe did not answer within ${formatDuration(timeout)}`),
          ),
        ),
      timeout,
    );
    const onAbort = (): void =>
      settle(() => reject(new TelltaleError('TELLTALE_ABORTED', `${name} probe aborted`, { cause: signal.reason })));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    probe(() => abandoned).then(
      (failure) =>
        settle(() => {
          const elapsed = Math.max(0, clock.now() - started);
          const result: HealthCheckResult = { status: 'pass', observedValue: elapsed, observedUnit: 'ms' };
          if (typeof failure === 'string') {
            result.status = 'fail';
            result.output = failure;
          } else if (elapsed >= degradedAfter) {
            result.status = 'warn';
            result.output = `${name} probe took ${formatDuration(elapsed)}, degraded after ${formatDuration(degradedAfter)}`;
          }
          resolve(result);
        }),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the driver's error, passed on as it is
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
