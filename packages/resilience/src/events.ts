/**
 * Fields every {@link ResilienceEvent} carries.
 *
 * @example
 * ```ts
 * import type { ResilienceEventBase } from '@telltale/resilience';
 * const where = (event: ResilienceEventBase) => `${event.pipeline}/${event.strategy}`;
 * ```
 */
export interface ResilienceEventBase {
  /** Name of the pipeline (or the policy, when used alone). */
  readonly pipeline: string;
  /** Name of the strategy that reported it, e.g. `retry` or a breaker's name. */
  readonly strategy: string;
  /**
   * The event's name before `type` existed (`retry`, `timeout`, `fallback`, `hedge`,
   * `retry-gave-up`; the other names did not change). It is also the `event.name`
   * attribute of `telltale.resilience.events`, which keeps its values.
   *
   * @deprecated Read `type` (the discriminant); `event` is removed in the next minor.
   */
  readonly event: string;
}

/**
 * The `retry` policy will try again after `delayMs`; `attempt` is the attempt about to start.
 *
 * @example
 * ```ts
 * pipeline('orders', retry()).onEvent((e) => e.type === 'retry-scheduled' && log.warn({ wait: e.delayMs }, 'retrying'));
 * ```
 */
export interface RetryScheduledEvent extends ResilienceEventBase {
  readonly type: 'retry-scheduled';
  /** The attempt about to start (2 for the first retry). */
  readonly attempt: number;
  /** The wait before it, in milliseconds. */
  readonly delayMs: number;
  /** The failure being retried. */
  readonly error: unknown;
}

/**
 * The `retry` policy stopped because the next wait would pass `maxElapsed`; `attempt` is the last one made.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'retry-given-up' && log.error({ err: e.error, attempt: e.attempt }, 'gave up'));
 * ```
 */
export interface RetryGivenUpEvent extends ResilienceEventBase {
  readonly type: 'retry-given-up';
  readonly attempt: number;
  readonly error: unknown;
}

/**
 * The `retry` policy's shared budget refused a retry; `attempt` is the last one made.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'retry-budget-exhausted' && budgetRefusals.add(1));
 * ```
 */
export interface RetryBudgetExhaustedEvent extends ResilienceEventBase {
  readonly type: 'retry-budget-exhausted';
  readonly attempt: number;
  readonly error: unknown;
}

/**
 * An attempt ran past its `timeout`; `error` is the `TELLTALE_TIMEOUT` error it was aborted with.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'timed-out' && log.warn({ attempt: e.attempt }, 'attempt timed out'));
 * ```
 */
export interface TimedOutEvent extends ResilienceEventBase {
  readonly type: 'timed-out';
  readonly attempt: number;
  readonly error: unknown;
}

/**
 * The `fallback` policy answered instead of the operation; `error` is the failure it handled.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'fallback-used' && log.info({ err: e.error }, 'served the fallback'));
 * ```
 */
export interface FallbackUsedEvent extends ResilienceEventBase {
  readonly type: 'fallback-used';
  readonly attempt: number;
  readonly error: unknown;
}

/**
 * The `hedge` policy started another copy of a slow attempt.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'hedge-launched' && hedges.add(1));
 * ```
 */
export interface HedgeLaunchedEvent extends ResilienceEventBase {
  readonly type: 'hedge-launched';
  readonly attempt: number;
}

/**
 * A `bulkhead` refused a call (no free slot and a full queue, or a queue wait that ran out).
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'bulkhead-rejected' && log.warn({ err: e.error }, 'shed load'));
 * ```
 */
export interface BulkheadRejectedEvent extends ResilienceEventBase {
  readonly type: 'bulkhead-rejected';
  readonly attempt: number;
  /** The `TELLTALE_BULKHEAD_REJECTED` error the call failed with. */
  readonly error: unknown;
}

/**
 * A circuit breaker refused a call locally (open, isolated, or half-open with no probe slot).
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'circuit-rejected' && log.debug({ breaker: e.strategy }, 'refused'));
 * ```
 */
export interface CircuitRejectedEvent extends ResilienceEventBase {
  readonly type: 'circuit-rejected';
  readonly attempt: number;
  /** The `TELLTALE_CIRCUIT_OPEN` error the call failed with. */
  readonly error: unknown;
}

/**
 * A circuit breaker changed state (outside any call: it has no attempt or error).
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'circuit-opened' && page(`${e.strategy} opened`));
 * ```
 */
export interface CircuitStateEvent extends ResilienceEventBase {
  readonly type: 'circuit-opened' | 'circuit-half-opened' | 'circuit-closed' | 'circuit-isolated';
}

/**
 * An event a policy written outside this package reported through `run.emit(strategy, name, fields)`.
 *
 * @example
 * ```ts
 * chain.onEvent((e) => e.type === 'custom' && log.info({ name: e.name, strategy: e.strategy }, 'policy event'));
 * ```
 */
export interface CustomResilienceEvent extends ResilienceEventBase {
  readonly type: 'custom';
  /** The name the policy gave (`event` carries it too, while it exists). */
  readonly name: string;
  readonly attempt?: number | undefined;
  readonly delayMs?: number | undefined;
  readonly error?: unknown;
}

/**
 * Something a policy reports while handling a call: a union discriminated on
 * `type`, past tense, each variant with only its own fields. Names per
 * strategy — retry: `retry-scheduled`, `retry-given-up`, `retry-budget-exhausted`;
 * timeout: `timed-out`; fallback: `fallback-used`; hedge: `hedge-launched`;
 * bulkhead: `bulkhead-rejected`; circuit breaker: `circuit-rejected`,
 * `circuit-opened`, `circuit-half-opened`, `circuit-closed`, `circuit-isolated`;
 * policies of your own: `custom`.
 *
 * @example
 * ```ts
 * import { pipeline, retry, type ResilienceEvent } from '@telltale/resilience';
 * const log = (event: ResilienceEvent) => {
 *   if (event.type === 'retry-scheduled') logger.warn({ attempt: event.attempt, wait: event.delayMs }, 'retrying');
 * };
 * pipeline('orders', retry()).onEvent(log);
 * ```
 */
export type ResilienceEvent =
  | RetryScheduledEvent
  | RetryGivenUpEvent
  | RetryBudgetExhaustedEvent
  | TimedOutEvent
  | FallbackUsedEvent
  | HedgeLaunchedEvent
  | BulkheadRejectedEvent
  | CircuitRejectedEvent
  | CircuitStateEvent
  | CustomResilienceEvent;

/**
 * The `type` of a {@link ResilienceEvent}.
 *
 * @example
 * ```ts
 * import type { ResilienceEventType } from '@telltale/resilience';
 * const alarming: ResilienceEventType[] = ['circuit-opened', 'retry-budget-exhausted'];
 * ```
 */
export type ResilienceEventType = ResilienceEvent['type'];

/** Known types → the name they had before (the deprecated `event` and the metric's `event.name`). */
const LEGACY_NAMES: Readonly<Record<Exclude<ResilienceEventType, 'custom'>, string>> = {
  'retry-scheduled': 'retry',
  'retry-given-up': 'retry-gave-up',
  'retry-budget-exhausted': 'retry-budget-exhausted',
  'timed-out': 'timeout',
  'fallback-used': 'fallback',
  'hedge-launched': 'hedge',
  'bulkhead-rejected': 'bulkhead-rejected',
  'circuit-rejected': 'circuit-rejected',
  'circuit-opened': 'circuit-opened',
  'circuit-half-opened': 'circuit-half-opened',
  'circuit-closed': 'circuit-closed',
  'circuit-isolated': 'circuit-isolated',
};

/** How {@link classifyEventName} reports a name. */
export interface ClassifiedEventName {
  readonly type: ResilienceEventType;
  readonly legacy: string;
  readonly custom: boolean;
}

// One frozen answer per known name: classifying runs on every event, listeners or not.
const KNOWN_NAMES: ReadonlyMap<string, ClassifiedEventName> = new Map(
  Object.entries(LEGACY_NAMES).map(([type, legacy]) => [
    type,
    Object.freeze({ type: type as ResilienceEventType, legacy, custom: false }),
  ]),
);

/**
 * The name `run.emit` received, as `type`, the legacy `event` name and the metric's `event.name`.
 * Known names allocate nothing; a custom name gets an object of its own.
 */
export function classifyEventName(name: string): ClassifiedEventName {
  return KNOWN_NAMES.get(name) ?? { type: 'custom', legacy: name, custom: true };
}
