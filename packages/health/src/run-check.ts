import { describeError, formatDuration, redactSecrets, TelltaleError, type Clock } from '@telltale/core';
import type { HealthCheck, HealthCheckResult, HealthStatus } from './types.js';

/** The result of one run of a check, as the registry caches it. */
export interface CheckOutcome {
  status: HealthStatus;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
  /** Epoch milliseconds when the run finished. */
  finishedAt: number;
  /** How long the run took, in milliseconds (capped at the timeout). */
  durationMilliseconds: number;
}

/** How to run one check. */
export interface RunCheckOptions {
  name: string;
  check: HealthCheck;
  timeout: number;
  degradedAfter: number | undefined;
  clock: Clock;
  /** Aborts the run early (registry closing). */
  signal?: AbortSignal | undefined;
  /** Called once when the check itself returns or throws, which may be long after a timeout. */
  onSettled?: (() => void) | undefined;
}

const STATUSES: ReadonlySet<unknown> = new Set(['pass', 'warn', 'fail']);

/**
 * Runs a check once and never rejects and never hangs: a throw becomes
 * `fail` with its (redacted) message, a run longer than `timeout` becomes
 * `fail` with a `TELLTALE_TIMEOUT` output while the check's signal aborts.
 */
export function runCheck(options: RunCheckOptions): Promise<CheckOutcome> {
  const { clock, timeout, name } = options;
  const startedAt = clock.now();
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  return new Promise<CheckOutcome>((resolve) => {
    let settled = false;
    const finish = (result: Omit<CheckOutcome, 'finishedAt' | 'durationMilliseconds'>): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onOuterAbort);
      const finishedAt = clock.now();
      resolve({ ...result, finishedAt, durationMilliseconds: Math.max(0, finishedAt - startedAt) });
    };
    const timer = clock.setTimeout(() => {
      const error = new TelltaleError('TELLTALE_TIMEOUT', `check "${name}" timed out after ${formatDuration(timeout)}`);
      finish({ status: 'fail', output: `TELLTALE_TIMEOUT: ${error.message}` });
      controller.abort(error);
    }, timeout);

    let pending: HealthCheckResult | Promise<HealthCheckResult>;
    try {
      pending = options.check({ signal: controller.signal });
    } catch (error) {
      options.onSettled?.();
      finish(failure(error));
      return;
    }
    Promise.resolve(pending)
      .then(
        (result) => finish(normalise(result, clock.now() - startedAt, options.degradedAfter)),
        (error: unknown) => finish(failure(error)),
      )
      // Only reachable through a bug in this file: still settle, never reject unhandled.
      .catch(() => finish({ status: 'fail', output: 'check result could not be read' }))
      .finally(() => options.onSettled?.());
  });
}

// Whatever was thrown (null-prototype objects, throwing getters, proxies), this never throws.
function failure(error: unknown): Omit<CheckOutcome, 'finishedAt' | 'durationMilliseconds'> {
  let code = '';
  try {
    if (TelltaleError.is(error) && typeof error.code === 'string') code = `${error.code}: `;
  } catch {
    // A proxy that throws on property access has no code.
  }
  return { status: 'fail', output: redactSecrets(`${code}${describeError(error)}`) };
}

function normalise(
  result: unknown,
  elapsed: number,
  degradedAfter: number | undefined,
): Omit<CheckOutcome, 'finishedAt' | 'durationMilliseconds'> {
  if (typeof result !== 'object' || result === null || !STATUSES.has((result as HealthCheckResult).status)) {
    // A check that reports nothing usable must not count as healthy (nestjs/terminus#945).
    return { status: 'fail', output: 'check returned no valid { status: "pass" | "warn" | "fail" } result' };
  }
  const { status, observedValue, observedUnit, output } = result as HealthCheckResult;
  const outcome: Omit<CheckOutcome, 'finishedAt' | 'durationMilliseconds'> = { status };
  if (observedValue !== undefined) {
    outcome.observedValue = observedValue;
    if (typeof observedUnit === 'string') outcome.observedUnit = observedUnit;
  } else {
    outcome.observedValue = elapsed;
    outcome.observedUnit = 'ms';
  }
  if (typeof output === 'string' && output !== '') outcome.output = redactSecrets(output);
  if (status === 'pass' && degradedAfter !== undefined && elapsed > degradedAfter) {
    outcome.status = 'warn';
    outcome.output = `slow: took ${formatDuration(elapsed)}, degraded after ${formatDuration(degradedAfter)}`;
  }
  return outcome;
}
