import { options as check, TelltaleConfigError, type Clock, type Logger, type MeterProviderLike } from '@telltale/core';
import {
  circuitBreaker,
  exponential,
  pipeline,
  timeout,
  type CircuitBreakerPolicy,
  type Pipeline,
  type Policy,
} from '@telltale/resilience';
import type { BackendType } from './backend.js';
import type { JobHandler, JobTypeOptions } from './types.js';

/** A job type with its options validated and its policies built. */
export interface ResolvedType extends BackendType {
  readonly handler: JobHandler<unknown>;
  readonly retryOn: ((error: unknown) => boolean) | undefined;
  /** Breaker and per-attempt timeout, outermost first; `undefined` when the type has neither. */
  readonly pipeline: Pipeline | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
}

const TYPE_NAME = /^[A-Za-z0-9_-]+$/;

/** Validates `createJobs({ types })` and builds each type's policies. */
export function resolveTypes(
  raw: unknown,
  context: { clock: Clock; logger: Logger; meterProvider: MeterProviderLike | false | undefined },
): Map<string, ResolvedType> {
  const entries = Object.entries(check.object('createJobs.types', raw as Record<string, unknown>));
  if (entries.length === 0) {
    throw new TelltaleConfigError({ option: 'createJobs.types', value: raw, expected: 'at least one job type' });
  }
  const types = new Map<string, ResolvedType>();
  for (const [name, value] of entries) {
    const at = `createJobs.types.${name}`;
    // Ids are `<type>.<suffix>` and BullMQ queue names forbid ':'.
    if (!TYPE_NAME.test(name)) {
      throw new TelltaleConfigError({ option: at, value: name, expected: 'a name of letters, digits, "_" and "-"' });
    }
    const input = check.object(at, value as JobTypeOptions<unknown>);
    if (typeof input.handler !== 'function') {
      throw new TelltaleConfigError({ option: `${at}.handler`, value: input.handler, expected: 'a function' });
    }
    const concurrency = check.positiveInteger(`${at}.concurrency`, input.concurrency, 1);
    const globalConcurrency =
      input.globalConcurrency === undefined
        ? undefined
        : check.positiveInteger(`${at}.globalConcurrency`, input.globalConcurrency);
    const backoff = input.backoff ?? exponential({ initial: '1s', max: '5m' });
    if (typeof backoff !== 'object' || typeof (backoff as { delay?: unknown }).delay !== 'function') {
      throw new TelltaleConfigError({
        option: `${at}.backoff`,
        value: backoff,
        expected: 'a Backoff (e.g. exponential())',
      });
    }
    const policies: Policy[] = [];
    let breaker: CircuitBreakerPolicy | undefined;
    if (input.breaker !== undefined && input.breaker !== false) {
      const breakerOptions = check.object(`${at}.breaker`, input.breaker);
      breaker = circuitBreaker({
        name: `job-${name}`,
        logger: context.logger,
        ...(context.meterProvider === undefined ? {} : { meterProvider: context.meterProvider }),
        ...breakerOptions,
        clock: breakerOptions.clock ?? context.clock,
      });
      policies.push(breaker);
    }
    if (input.timeout !== undefined) {
      policies.push(timeout({ duration: input.timeout, name: `job-${name}-timeout`, clock: context.clock }));
    }
    types.set(name, {
      name,
      handler: input.handler,
      concurrency,
      globalConcurrency,
      priority: check.oneOf(`${at}.priority`, input.priority, ['high', 'medium', 'low'], 'medium'),
      maxAttempts: check.positiveInteger(`${at}.maxAttempts`, input.maxAttempts, 3),
      maxQueued: check.positiveInteger(`${at}.maxQueued`, input.maxQueued, 10_000),
      retryOn: check.optionalFunction<(error: unknown) => boolean>(`${at}.retryOn`, input.retryOn),
      backoff(retry) {
        // Stateless across jobs: replay the walk so decorrelated jitter sees a previous wait.
        let wait = 0;
        for (let step = 1; step <= retry; step++) wait = Math.max(0, backoff.delay(step, wait));
        return wait;
      },
      pipeline:
        policies.length > 0
          ? pipeline(
              {
                name: `job-${name}`,
                ...(context.meterProvider === undefined ? {} : { meterProvider: context.meterProvider }),
              },
              ...policies,
            )
          : undefined,
      breaker,
    });
  }
  return types;
}
