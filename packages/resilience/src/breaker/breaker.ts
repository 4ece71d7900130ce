import { createEmitter, type Disposable, type Emitter, type MeterProviderLike } from '@telltale/core';
import { circuitOpenError, closedError, isLocalRefusal } from '../errors.js';
import type { ExecuteOptions, Next, Operation, Policy, Run } from '../policy.js';
import { executeAlone } from '../standalone.js';
import { registerBreaker } from '../telemetry.js';
import { timeout as timeoutPolicy, type TimeoutPolicy } from '../timeout.js';
import { FailureRatioStrategy } from './failure-ratio.js';
import { breakerHealthCheck, type BreakerHealthOptions, type BreakerHealthResult } from './health.js';
import { breakerSettings, type BreakerSettings, type CircuitBreakerOptions } from './options.js';
import { ProbeWaiters } from './probe-waiters.js';
import { SlowCallStrategy } from './slow-call.js';
import {
  halfOpenDeadline,
  type BreakerState,
  type CircuitBreakerSnapshot,
  type CircuitState,
  type CircuitStateChange,
} from './state.js';

/**
 * A circuit breaker {@link Policy}. See {@link circuitBreaker}.
 *
 * @example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerPolicy } from '@telltale/resilience';
 * const breaker: CircuitBreakerPolicy = circuitBreaker({ name: 'geo' });
 * if (breaker.state === 'open') serveCachedMap();
 * ```
 */
export interface CircuitBreakerPolicy extends Policy {
  readonly kind: 'circuit-breaker';
  /** Current state. */
  readonly state: CircuitState;
  /** Opens the breaker until {@link CircuitBreakerPolicy.reset} (maintenance, known outage). */
  isolate(): void;
  /** Closes the breaker and forgets the window. */
  reset(): void;
  /** Listens to state changes. */
  onStateChange(listener: (change: CircuitStateChange) => void): Disposable;
  /** A health check for `@telltale/health`: pass when closed, warn/fail otherwise. */
  healthCheck(options?: BreakerHealthOptions): () => BreakerHealthResult;
  /** Snapshot for persistence; pass back as `restore`. */
  toJSON(): CircuitBreakerSnapshot;
  /**
   * Stops timers and rejects further calls (and calls waiting for a half-open probe) with
   * `TELLTALE_CLOSED`. Resolves once closed; calling it again resolves at once.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The breaker: the state machine over two opening strategies (failure ratio,
 * slow calls). A class rather than closures: ten thousand breakers share one
 * set of methods. No timer while closed: the windows rotate lazily on use.
 */
export class Breaker implements CircuitBreakerPolicy {
  readonly kind = 'circuit-breaker' as const;
  readonly name: string;
  private readonly settings: BreakerSettings;
  private readonly failures: FailureRatioStrategy;
  private readonly slowCalls: SlowCallStrategy | undefined;
  private readonly limit: TimeoutPolicy | undefined;
  /** Created on the first `onStateChange`: most breakers never get a listener. */
  private changes: Emitter<CircuitStateChange> | undefined;
  private readonly unregister: () => void;
  /** What `execute()` records on (its one-policy pipeline), as given. */
  private readonly meterProvider: MeterProviderLike | false | undefined;
  private current: BreakerState;
  private readonly waiters = new ProbeWaiters();
  private closed = false;

  constructor(input: CircuitBreakerOptions) {
    const settings = breakerSettings(input);
    this.settings = settings;
    this.name = settings.name;
    const { clock, window, windowBuckets, slowCall } = settings;
    this.limit =
      input.timeout === undefined ? undefined : timeoutPolicy({ duration: input.timeout, name: this.name, clock });
    this.current = { kind: 'closed', since: clock.now() };
    const restore = input.restore;
    this.failures = new FailureRatioStrategy(
      settings,
      restore?.window,
      (error) => this.isFailure(error),
      () => {
        if (this.current.kind === 'closed') this.transition('open', 'failure-ratio');
      },
    );
    this.slowCalls = slowCall
      ? new SlowCallStrategy(clock, window, windowBuckets, slowCall, settings.minimumThroughput)
      : undefined;
    if (restore) this.restore(restore);
    this.meterProvider = input.meterProvider;
    this.unregister = registerBreaker(this, input.meterProvider);
  }

  get state(): CircuitState {
    return this.current.kind;
  }

  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    return executeAlone(this, operation, options, this.meterProvider);
  }

  wrap<T>(next: Next<T>, run: Run): Promise<T> {
    if (this.closed) return Promise.reject(closedError(`Circuit breaker "${this.name}"`));
    if (this.current.kind === 'closed') return this.callClosed(next, run);
    if (this.current.kind === 'open' && this.settings.clock.now() >= this.current.halfOpenAt) {
      this.transition('half-open', 'half-open-after');
    }
    const state = this.current;
    if (state.kind === 'half-open') {
      if (state.probesStarted < this.settings.halfOpenProbes) return this.probe(state, next, run);
      if (this.settings.halfOpenWaiting === 'wait') return this.waitForProbes(next, run);
    }
    return this.reject(run);
  }

  isolate(): void {
    this.transition('isolated', 'isolate');
  }

  reset(): void {
    this.transition('closed', 'reset');
  }

  onStateChange(listener: (change: CircuitStateChange) => void): Disposable {
    this.changes ??= createEmitter<CircuitStateChange>((error) =>
      this.settings.logger.error({ err: error, breaker: this.name }, 'onStateChange listener threw'),
    );
    return this.changes.on(listener);
  }

  healthCheck(options: BreakerHealthOptions = {}): () => BreakerHealthResult {
    return breakerHealthCheck(this, options);
  }

  toJSON(): CircuitBreakerSnapshot {
    const state = this.current;
    return {
      name: this.name,
      state: state.kind,
      since: state.since,
      halfOpenAt: halfOpenDeadline(state),
      window: this.failures.counts(),
    };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.clearHalfOpenTimer();
    this.waiters.release(closedError(`Circuit breaker "${this.name}"`));
    this.unregister();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private isFailure(error: unknown): boolean {
    if (isLocalRefusal(error)) return false;
    const isFailure = this.settings.isFailure;
    return isFailure ? isFailure(error) : true;
  }

  private guarded<T>(next: Next<T>, run: Run): Promise<T> {
    return this.limit ? this.limit.wrap(next, run) : next(run);
  }

  private callClosed<T>(next: Next<T>, run: Run): Promise<T> {
    const counted: Next<T> = this.limit ? (inner) => this.guarded(next, inner) : next;
    const slowCalls = this.slowCalls;
    if (!slowCalls) return this.failures.run(counted, run);
    const started = slowCalls.start();
    const settle = (): void => {
      if (slowCalls.record(started, this.current.kind === 'closed')) this.transition('open', 'slow-call-ratio');
    };
    return this.failures.run(counted, run).then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  }

  /** Runs a half-open probe; its outcome counts against whichever half-open state is current when it settles. */
  private probe<T>(state: BreakerState & { kind: 'half-open' }, next: Next<T>, run: Run): Promise<T> {
    state.probesStarted++;
    return this.guarded(next, run).then(
      (value) => {
        const now = this.current;
        if (now.kind === 'half-open' && ++now.probesSucceeded >= this.settings.halfOpenProbes) {
          this.transition('closed', 'probes-succeeded');
        }
        return value;
      },
      (error: unknown) => {
        const now = this.current;
        if (now.kind === 'half-open') {
          if (this.isFailure(error)) this.transition('open', 'probe-failed');
          else {
            // An aborted probe, or one failing with an error isFailure ignores, proves nothing: free its
            // slot, and let parked calls (`halfOpenWaiting: 'wait'`) try again, so one of them probes.
            now.probesStarted--;
            this.waiters.release(undefined);
          }
        }
        throw error;
      },
    );
  }

  private reject<T>(run: Run): Promise<T> {
    const halfOpenAt = halfOpenDeadline(this.current);
    const retryAfter = halfOpenAt === undefined ? undefined : Math.max(0, halfOpenAt - this.settings.clock.now());
    const error = circuitOpenError(this.name, this.current.kind, retryAfter);
    run.emit?.(this.name, 'circuit-rejected', { attempt: run.attempt, error });
    return Promise.reject(error);
  }

  private waitForProbes<T>(next: Next<T>, run: Run): Promise<T> {
    return this.waiters.wait(run).then(() => this.wrap(next, run));
  }

  private restore(snapshot: CircuitBreakerSnapshot): void {
    const at = this.settings.clock.now();
    if (snapshot.state === 'isolated') this.transition('isolated', 'restore');
    else if (snapshot.state === 'half-open' || (snapshot.state === 'open' && (snapshot.halfOpenAt ?? 0) <= at)) {
      this.transition('half-open', 'restore');
    } else if (snapshot.state === 'open') {
      this.transition('open', 'restore', snapshot.halfOpenAt ?? at + this.settings.halfOpenAfter);
    }
  }

  private clearHalfOpenTimer(): void {
    if (this.current.kind === 'open') this.settings.clock.clearTimeout(this.current.timer);
  }

  private enter(to: CircuitState, since: number, halfOpenAt: number | undefined): BreakerState {
    switch (to) {
      case 'open': {
        const deadline = halfOpenAt ?? since + this.settings.halfOpenAfter;
        // Nobody awaits the open period: calls are rejected, not parked, until it ends.
        const timer = this.settings.clock.setTimeout(
          () => this.transition('half-open', 'half-open-after'),
          deadline - since,
          { background: true },
        );
        return { kind: 'open', since, halfOpenAt: deadline, timer };
      }
      case 'half-open':
        return { kind: 'half-open', since, probesStarted: 0, probesSucceeded: 0 };
      default:
        return { kind: to, since };
    }
  }

  /** Moves to `to`; an open state's deadline is `halfOpenAt` (default: `halfOpenAfter` from now). */
  private transition(to: CircuitState, reason: string, halfOpenAt?: number): void {
    const from = this.current.kind;
    if (from === to) return;
    const { clock, logger } = this.settings;
    this.clearHalfOpenTimer();
    const state = this.enter(to, clock.now(), halfOpenAt);
    this.current = state;
    if (to === 'closed') {
      this.failures.forget();
      this.slowCalls?.forget();
      this.waiters.release(undefined);
    } else if (to !== 'half-open') {
      this.waiters.release(circuitOpenError(this.name, to));
    }
    logger.info({ breaker: this.name, from, to, reason }, 'circuit breaker state changed');
    this.changes?.emit({ name: this.name, from, to, at: state.since, reason });
  }
}
