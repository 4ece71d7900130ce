import { TelltaleError } from '@telltale/core';
import { fromSignal, type Cancellation } from './cancellation.js';

/**
 * What each attempt of an operation receives.
 *
 * @example
 * ```ts
 * import { timeout, type ExecutionContext } from '@telltale/resilience';
 * const load = ({ signal, attempt }: ExecutionContext) => fetch(`${url}?try=${attempt}`, { signal });
 * await timeout('2s').execute(load);
 * ```
 */
export interface ExecutionContext {
  /** Aborted when the caller aborts, this attempt times out, or a hedged sibling wins. Pass it to `fetch`. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
}

/**
 * The protected operation: receives an {@link ExecutionContext}, returns a value or a promise.
 *
 * @example
 * ```ts
 * import { retry, type Operation } from '@telltale/resilience';
 * const operation: Operation<string> = ({ signal }) => fetch(url, { signal }).then((r) => r.text());
 * const text = await retry().execute(operation);
 * ```
 */
export type Operation<T> = (context: ExecutionContext) => PromiseLike<T> | T;

/**
 * Priority lane for a {@link bulkhead} with `priority: true`.
 *
 * @example
 * ```ts
 * import { bulkhead, type Priority } from '@telltale/resilience';
 * const priority: Priority = user.isPaying ? 'high' : 'low';
 * await bulkhead({ concurrency: 4, queue: 50, priority: true }).execute(work, { priority });
 * ```
 */
export type Priority = 'high' | 'medium' | 'low';

/**
 * Per-call options of `execute`.
 *
 * @example
 * ```ts
 * import { timeout, type ExecuteOptions } from '@telltale/resilience';
 * const options: ExecuteOptions = { signal: request.signal };
 * await timeout('5s').execute(({ signal }) => fetch(url, { signal }), options);
 * ```
 */
export interface ExecuteOptions {
  /** Cancels the call: the in-flight attempt is aborted and any backoff wait ends at once. */
  signal?: AbortSignal | undefined;
  /** Bulkhead lane when the pipeline holds a priority bulkhead (default `'medium'`). */
  priority?: Priority | undefined;
}

export type { ResilienceEvent } from './events.js';

/**
 * Extra fields of a {@link ResilienceEvent}, as a policy reports them through `run.emit`.
 *
 * @example
 * ```ts
 * import type { EventFields, Run } from '@telltale/resilience';
 * const report = (run: Run, fields: EventFields) => run.emit?.('my-policy', 'my-event', fields);
 * ```
 */
export interface EventFields {
  /** Attempt the event belongs to, when it belongs to one. */
  readonly attempt?: number | undefined;
  /** A wait, in milliseconds. */
  readonly delayMs?: number | undefined;
  /** The error behind the event, when there is one. */
  readonly error?: unknown;
}

/**
 * One call travelling through a policy chain. Policies copy it (with a new
 * signal or attempt number) for the policies inside them.
 *
 * @example
 * ```ts
 * import type { Next, Run } from '@telltale/resilience';
 * // A custom policy that logs each attempt number, then continues the chain.
 * const wrap = <T>(next: Next<T>, run: Run) => (logger.debug({ attempt: run.attempt }, 'attempt'), next(run));
 * ```
 */
export interface Run {
  readonly operation: Operation<unknown>;
  /** Cancellation of this run; `cancellation.signal` materialises an AbortSignal lazily. */
  readonly cancellation: Cancellation;
  readonly attempt: number;
  readonly priority: Priority | undefined;
  /** Set while a nested pipeline runs: the outer chain's rest, called instead of the operation. */
  readonly continuation?: Next<unknown> | undefined;
  /**
   * Reports an event; `undefined` when nobody listens. A name of this package's
   * (`retry-scheduled`, ...) becomes that `type`; any other name a `custom` event
   * carrying it as `name`.
   */
  readonly emit: ((strategy: string, name: string, fields?: EventFields) => void) | undefined;
}

/**
 * Continues a run with the next policy (or the operation itself).
 *
 * @example
 * ```ts
 * import type { Next, Run } from '@telltale/resilience';
 * const passThrough = <T>(next: Next<T>, run: Run): Promise<T> => next(run);
 * ```
 */
export type Next<T> = (run: Run) => Promise<T>;

/**
 * A resilience policy. Use it alone (`policy.execute(fn)`) or compose it in
 * a {@link pipeline}. `wrap` is the composition hook: it runs `next` under
 * the policy; implement it to write your own policy.
 *
 * @example
 * ```ts
 * import { timeout } from '@telltale/resilience';
 * const limit = timeout('2s');
 * const body = await limit.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
 * ```
 */
export interface Policy {
  /** Kind of policy: `circuit-breaker`, `retry`, `timeout`, `bulkhead`, `fallback`, `hedge`, `pipeline`. */
  readonly kind: string;
  /** Name used as `strategy.name` in events and telemetry. */
  readonly name: string;
  /** Runs `operation` under this policy alone. */
  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T>;
  /** Composition hook: runs the rest of the chain (`next`) under this policy. */
  wrap<T>(next: Next<T>, run: Run): Promise<T>;
}

/** The operation's context; `signal` is read through so no AbortSignal is built unless used. */
class AttemptContext implements ExecutionContext {
  constructor(
    private readonly cancellation: Cancellation,
    readonly attempt: number,
  ) {}
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/** The `TELLTALE_ABORTED` error for an aborted run (cause: the abort reason). */
export function abortedBy(cancellation: Cancellation): TelltaleError {
  return new TelltaleError('TELLTALE_ABORTED', 'The operation was aborted', { cause: cancellation.reason });
}

/** Calls the run's operation with its context; synchronous throws become rejections. */
export function invoke<T>(run: Run): Promise<T> {
  const cancellation = run.cancellation;
  if (cancellation.aborted) return Promise.reject(abortedBy(cancellation));
  try {
    return Promise.resolve(run.operation(new AttemptContext(cancellation, run.attempt)) as T | PromiseLike<T>);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
    return Promise.reject(error);
  }
}

/** Builds the run for a top-level `execute`. */
export function startRun(operation: Operation<unknown>, options: ExecuteOptions | undefined, emit: Run['emit']): Run {
  return { operation, cancellation: fromSignal(options?.signal), attempt: 1, priority: options?.priority, emit };
}
