import {
  abortError,
  createEmitter,
  options as check,
  TelltaleConfigError,
  type Disposable,
  type MeterProviderLike,
} from '@telltale/core';
import {
  invoke,
  startRun,
  type EventFields,
  type ExecuteOptions,
  type Next,
  type Operation,
  type Policy,
  type Run,
} from './policy.js';
import { telemetryFor } from './telemetry.js';
import { classifyEventName, type ResilienceEvent, type ResilienceEventType } from './events.js';

/**
 * Options for {@link pipeline} when its first argument is an object.
 *
 * @example
 * ```ts
 * import { pipeline, retry, type PipelineOptions } from '@telltale/resilience';
 * const options: PipelineOptions = { name: 'billing', meterProvider };
 * const billing = pipeline(options, retry());
 * ```
 */
export interface PipelineOptions {
  /** Pipeline name: the `pipeline.name` attribute of every event and metric. Keep it low-cardinality. */
  name: string;
  /**
   * Meter provider for telemetry (default: the global one from `@opentelemetry/api`), or `false`
   * to disable it: the pipeline then records nothing and registers no instruments.
   */
  meterProvider?: MeterProviderLike | false;
}

/**
 * Policies composed outer → inner. See {@link pipeline}.
 *
 * @example
 * ```ts
 * import { pipeline, timeout, type Pipeline } from '@telltale/resilience';
 * const search: Pipeline = pipeline('search', timeout('1s'));
 * search.onEvent((event) => logger.debug(event, 'resilience event'));
 * ```
 */
export interface Pipeline extends Policy {
  readonly kind: 'pipeline';
  /** The composed policies, outer first. */
  readonly policies: readonly Policy[];
  /** Listens to every event of every policy in this pipeline. */
  onEvent(listener: (event: ResilienceEvent) => void): Disposable;
}

/** Breaker state → the event its change reports. */
const CIRCUIT_EVENTS: Readonly<Record<string, ResilienceEventType>> = {
  open: 'circuit-opened',
  'half-open': 'circuit-half-opened',
  isolated: 'circuit-isolated',
  closed: 'circuit-closed',
};

/** Policies that report state changes outside any call (breakers). */
interface StateReporting {
  onStateChange(listener: (change: { from: string; to: string }) => void): Disposable;
}

function reportsState(policy: Policy): policy is Policy & StateReporting {
  return typeof (policy as Partial<StateReporting>).onStateChange === 'function';
}

/**
 * Composes policies, outer first: `pipeline('payments', fallback(...),
 * retry(...), circuitBreaker(...), timeout('2s'))` retries around the breaker,
 * which guards each attempt, each limited to 2 s. The operation receives
 * `{ signal, attempt }`. Events go to `onEvent` listeners and to the
 * `telltale.resilience.events` counter; attempt durations to the
 * `telltale.resilience.attempt.duration` histogram.
 *
 * @example
 * ```ts
 * import { circuitBreaker, exponential, pipeline, retry, timeout } from '@telltale/resilience';
 * const payments = pipeline(
 *   'payments',
 *   retry({ maxAttempts: 3, backoff: exponential({ initial: '100ms', max: '2s', jitter: 'full' }) }),
 *   circuitBreaker({ name: 'payments-api' }),
 *   timeout('2s'),
 * );
 * const charge = await payments.execute(({ signal }) => fetch(url, { method: 'POST', signal }));
 * ```
 */
export function pipeline(nameOrOptions: string | PipelineOptions, ...policies: Policy[]): Pipeline {
  const settings: PipelineOptions =
    typeof nameOrOptions === 'string' ? { name: nameOrOptions } : check.object('pipeline', nameOrOptions);
  const name = check.nonEmptyString('pipeline.name', settings.name);
  policies.forEach((policy, index) => {
    if (typeof policy !== 'object' || policy === null || typeof policy.wrap !== 'function') {
      throw new TelltaleConfigError({ option: `pipeline.policies[${index}]`, value: policy, expected: 'a policy' });
    }
  });
  const listeners = createEmitter<ResilienceEvent>();
  const instruments = telemetryFor(settings.meterProvider);

  const emit = (strategy: string, eventName: string, fields?: EventFields): void => {
    const { type, legacy, custom } = classifyEventName(eventName);
    const telemetry = instruments();
    // The metric keeps the names it had before `type` (series stay the same). Without a
    // recording provider no attribute object is built.
    if (telemetry.recording) {
      telemetry.events.add(1, { 'pipeline.name': name, 'strategy.name': strategy, 'event.name': legacy });
    }
    if (listeners.size === 0) return;
    const base = { ...fields, pipeline: name, strategy, type, event: legacy };
    listeners.emit((custom ? { ...base, name: eventName } : base) as ResilienceEvent);
  };

  for (const policy of policies) {
    if (reportsState(policy)) {
      policy.onStateChange((change) => emit(policy.name, CIRCUIT_EVENTS[change.to] ?? 'circuit-closed'));
    }
  }

  const terminal = <T>(run: Run): Promise<T> => {
    if (run.continuation) return run.continuation(run) as Promise<T>;
    const telemetry = instruments();
    if (!telemetry.recording) return invoke<T>(run);
    const started = performance.now();
    const record = (outcome: string): void => {
      telemetry.attemptDuration.record((performance.now() - started) / 1000, {
        'pipeline.name': name,
        'attempt.outcome': outcome,
        'attempt.number': Math.min(run.attempt, 10),
      });
    };
    return invoke<T>(run).then(
      (value) => {
        record('success');
        return value;
      },
      (error: unknown) => {
        record('failure');
        throw error;
      },
    );
  };

  let chain: Next<unknown> = terminal;
  for (let index = policies.length - 1; index >= 0; index--) {
    const policy = policies[index]!;
    const inner = chain;
    chain = (run) => policy.wrap(inner, run);
  }
  const entry = chain;

  return {
    kind: 'pipeline',
    name,
    policies: Object.freeze([...policies]),
    onEvent: (listener) => listeners.on(listener),
    execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
      if (options?.signal?.aborted) return Promise.reject(abortError(options.signal));
      return entry(startRun(operation, options, emit)) as Promise<T>;
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      // Nested pipeline: run our chain, then continue with the outer chain's rest.
      const outerContinuation = run.continuation;
      return entry({
        ...run,
        continuation: (inner) => next({ ...inner, continuation: outerContinuation }),
      }) as Promise<T>;
    },
  };
}
