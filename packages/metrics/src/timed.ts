import type { Attributes, Histogram } from '@opentelemetry/api';
import { options as check, type MeterProviderLike } from '@telltale/core';
import { errorTypeOf } from './attributes.js';
import { OPERATION_DURATION_BUCKETS, validateBuckets } from './buckets.js';
import { instrumentSource } from './meter.js';

/** Options of {@link createOperationMetrics}. */
export interface OperationMetricsOptions {
  /**
   * Meter provider to record into. Default: the current global one. `false` disables recording:
   * no instrument is created on a real provider and nothing is recorded.
   */
  meterProvider?: MeterProviderLike | false;
  /** Bucket boundaries in seconds. Default {@link OPERATION_DURATION_BUCKETS} (5 ms to 1 h). */
  buckets?: readonly number[];
}

/** Records `telltale.operation.duration` for operations and jobs. */
export interface OperationMetrics {
  /**
   * Runs `fn` now and records its duration with `operation.name`, `outcome`
   * (`success`/`failure`), `error.type` on failure and your `attributes`
   * (keep them low-cardinality). Resolves or rejects like `fn`.
   */
  timed<T>(name: string, fn: () => T | PromiseLike<T>, attributes?: Attributes): Promise<Awaited<T>>;
  /** Wraps a job function so every execution is timed like {@link OperationMetrics.timed}. */
  timedJob<Arguments extends unknown[], T>(
    name: string,
    fn: (...args: Arguments) => T | PromiseLike<T>,
    attributes?: Attributes,
  ): (...args: Arguments) => Promise<Awaited<T>>;
}

/**
 * Creates operation/job timers bound to a meter provider and buckets.
 *
 * @example
 * ```ts
 * import { createOperationMetrics } from '@telltale/metrics';
 * const operations = createOperationMetrics({ meterProvider });
 * const invoices = await operations.timed('invoices.load', () => loadInvoices());
 * ```
 */
export function createOperationMetrics(options: OperationMetricsOptions = {}): OperationMetrics {
  check.object('options', options);
  const buckets = validateBuckets('buckets', options.buckets, OPERATION_DURATION_BUCKETS);
  const instruments = instrumentSource(options.meterProvider, (meter): Histogram =>
    meter.createHistogram('telltale.operation.duration', {
      description: 'Duration of operations and job executions.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...buckets] },
    }),
  );

  const run = async <T>(name: string, fn: () => T | PromiseLike<T>, attributes?: Attributes): Promise<Awaited<T>> => {
    const state = instruments();
    const started = performance.now();
    const record = (outcome: 'success' | 'failure', error?: unknown) => {
      if (!state.recording) return;
      const recorded: Attributes = { ...attributes, 'operation.name': name, outcome };
      if (outcome === 'failure') recorded['error.type'] = errorTypeOf(error);
      state.instruments.record((performance.now() - started) / 1000, recorded);
    };
    try {
      const result = await fn();
      record('success');
      return result;
    } catch (error) {
      record('failure', error);
      throw error;
    }
  };

  return {
    timed(name, fn, attributes) {
      check.nonEmptyString('name', name);
      return run(name, fn, attributes);
    },
    timedJob(name, fn, attributes) {
      check.nonEmptyString('name', name);
      check.optionalFunction('fn', fn);
      return (...args) => run(name, () => fn(...args), attributes);
    },
  };
}

let defaultOperations: OperationMetrics | undefined;
const operations = (): OperationMetrics => (defaultOperations ??= createOperationMetrics());

/**
 * Runs `fn` and records `telltale.operation.duration` (seconds) with
 * `operation.name`, `outcome` and, on failure, `error.type`, into the global
 * meter provider. Returns what `fn` returns (as a promise) and rethrows its
 * errors.
 *
 * @example
 * ```ts
 * import { timed } from '@telltale/metrics';
 * const report = await timed('reports.build', () => buildReport(month), { 'report.kind': 'monthly' });
 * ```
 */
export function timed<T>(name: string, fn: () => T | PromiseLike<T>, attributes?: Attributes): Promise<Awaited<T>> {
  return operations().timed(name, fn, attributes);
}

/**
 * Wraps a job so every execution records `telltale.operation.duration` and
 * its outcome (the "record duration and success for every job execution"
 * pattern), into the global meter provider.
 *
 * @example
 * ```ts
 * import { timedJob } from '@telltale/metrics';
 * const sendDigest = timedJob('jobs.send-digest', async (userId: string) => mailer.digest(userId));
 * setInterval(() => void sendDigest('all'), 60_000);
 * ```
 */
export function timedJob<Arguments extends unknown[], T>(
  name: string,
  fn: (...args: Arguments) => T | PromiseLike<T>,
  attributes?: Attributes,
): (...args: Arguments) => Promise<Awaited<T>> {
  return operations().timedJob(name, fn, attributes);
}
