import type { MeterProvider } from '@opentelemetry/api';
import {
  createEmitter,
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type Disposable,
  type DurationInput,
  type Emitter,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
import CircuitBreaker from 'opossum';
import { circuitOpenError, closedError, isLocalRefusal } from './errors.js';
import { abortedBy, type ExecuteOptions, type Next, type Operation, type Policy, type Run } from './policy.js';
import { RollingWindow } from './rolling-window.js';
import { acquireRotator } from './rotator.js';
import { executeAlone } from './standalone.js';
import { registerBreaker } from './telemetry.js';
import { timeout as timeoutPolicy, type TimeoutPolicy } from './timeout.js';

/**
 * Breaker states. `isolated` is a manual open that only `reset()` ends.
 *
 * @example
 * ```ts
 * import type { CircuitState } from '@telltale/resilience';
 * const healthy = (state: CircuitState) => state === 'closed';
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * What `onStateChange` listeners receive.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({ name: 'search' });
 * breaker.onStateChange(({ from, to, reason }) => logger.warn({ from, to, reason }, 'search breaker'));
 * ```
 */
export interface CircuitStateChange {
  /** Breaker name. */
  name: string;
  from: CircuitState;
  to: CircuitState;
  /** Clock time of the change (ms since epoch). */
  at: number;
  /** Why: `failure-ratio`, `slow-call-ratio`, `probe-failed`, `probes-succeeded`, `half-open-after`, `isolate`, `reset`, `restore`. */
  reason: string;
}

/**
 * A breaker's state as JSON, for {@link CircuitBreakerOptions.restore}.
 *
 * @example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerSnapshot } from '@telltale/resilience';
 * const saved: CircuitBreakerSnapshot = JSON.parse(await readFile('breaker.json', 'utf8'));
 * const breaker = circuitBreaker({ name: saved.name, restore: saved });
 * ```
 */
export interface CircuitBreakerSnapshot {
  name: string;
  state: CircuitState;
  /** When the current state began (ms since epoch). */
  since: number;
  /** When an open breaker lets probes through (ms since epoch). */
  halfOpenAt?: number | undefined;
  /** Calls and failures in the current window. */
  window: { calls: number; failures: number; successes: number };
}

/**
 * Options for {@link CircuitBreaker.healthCheck}.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({ name: 'payments' });
 * registry.register('payments', breaker.healthCheck({ whenOpen: 'warn' }), { tags: ['ready'] });
 * ```
 */
export interface BreakerHealthOptions {
  /** Status while open or isolated (default `'fail'`). */
  whenOpen?: 'fail' | 'warn';
  /** Status while half-open (default `'warn'`). */
  whenHalfOpen?: 'pass' | 'warn' | 'fail';
}

/**
 * Result shape of {@link CircuitBreaker.healthCheck}, compatible with `@telltale/health`.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const check = circuitBreaker({ name: 'payments' }).healthCheck();
 * check(); // { status: 'pass', observedValue: 'closed' }
 * ```
 */
export interface BreakerHealthResult {
  status: 'pass' | 'warn' | 'fail';
  observedValue: CircuitState;
  output?: string;
}

/**
 * Options for {@link circuitBreaker}.
 *
 * @example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerOptions } from '@telltale/resilience';
 * const options: CircuitBreakerOptions = { name: 'geo', failureRatio: 0.3, minimumThroughput: 20, halfOpenProbes: 3 };
 * const breaker = circuitBreaker(options);
 * ```
 */
export interface CircuitBreakerOptions {
  /** Name in events, metrics (`strategy.name`) and errors (default `'circuit-breaker'`). */
  name?: string;
  /** Open when failures / calls in the window reach this ratio (default 0.5). */
  failureRatio?: number;
  /** Fewest calls in the window before the ratio can open the breaker (default 10; opossum's 0 opens on the first failure). */
  minimumThroughput?: number;
  /** Length of the rolling window (default `'10s'`). */
  window?: DurationInput;
  /** Buckets the window is split into (default 10). */
  windowBuckets?: number;
  /** How long the breaker stays open before letting probes through (default `'30s'`). */
  halfOpenAfter?: DurationInput;
  /** Probes let through while half-open; all must succeed to close (default 1). */
  halfOpenProbes?: number;
  /** Calls beyond the probes while half-open: `'reject'` (default) at once, or `'wait'` for the probes' outcome. */
  halfOpenWaiting?: 'reject' | 'wait';
  /** Per-call time limit; each call gets its own AbortSignal (caller's signal + this timeout). */
  timeout?: DurationInput;
  /** Which errors count as failures (default: all but local refusals such as aborts). E.g. skip 4xx. */
  isFailure?: (error: unknown) => boolean;
  /** Open also when this ratio of calls is slower than `duration` (resilience4j's slow-call rate). */
  slowCall?: { duration: DurationInput; ratio: number };
  /** Start from a saved {@link CircuitBreaker.toJSON} snapshot. */
  restore?: CircuitBreakerSnapshot;
  /** Meter provider for the state gauge (default: the global one). */
  meterProvider?: MeterProvider;
  /** Logger (pino-compatible) for state changes. */
  logger?: Partial<Logger>;
  /** Clock for tests. */
  clock?: Clock;
}

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
  /** Stops timers and rejects further calls with `TELLTALE_CLOSED`. */
  close(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Largest delay Node timers accept; opossum's own reset timer is parked there (we drive half-open). */
const NEVER = 2 ** 31 - 1;
const CALLS = 0;
const SLOW = 1;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Settings {
  readonly name: string;
  readonly failureRatio: number;
  readonly minimumThroughput: number;
  readonly window: number;
  readonly windowBuckets: number;
  readonly halfOpenAfter: number;
  readonly halfOpenProbes: number;
  readonly halfOpenWaiting: 'reject' | 'wait';
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly slowCall: { duration: number; ratio: number } | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

function settingsFrom(input: CircuitBreakerOptions): Settings {
  const window = check.duration('circuitBreaker.window', input.window, '10s');
  const windowBuckets = check.positiveInteger('circuitBreaker.windowBuckets', input.windowBuckets, 10);
  if (window < windowBuckets) {
    throw new TelltaleConfigError({
      option: 'circuitBreaker.window',
      value: input.window,
      expected: `a duration >= windowBuckets (${windowBuckets}) ms`,
    });
  }
  let slowCall: Settings['slowCall'];
  if (input.slowCall !== undefined) {
    const slow = check.object('circuitBreaker.slowCall', input.slowCall);
    slowCall = {
      duration: check.duration('circuitBreaker.slowCall.duration', slow.duration),
      ratio: check.numberInRange('circuitBreaker.slowCall.ratio', slow.ratio, 0.0001, 1),
    };
  }
  return {
    name: check.nonEmptyString('circuitBreaker.name', input.name, 'circuit-breaker'),
    failureRatio: check.numberInRange('circuitBreaker.failureRatio', input.failureRatio, 0.0001, 1, 0.5),
    minimumThroughput: check.positiveInteger('circuitBreaker.minimumThroughput', input.minimumThroughput, 10),
    window,
    windowBuckets,
    halfOpenAfter: check.duration('circuitBreaker.halfOpenAfter', input.halfOpenAfter, '30s'),
    halfOpenProbes: check.positiveInteger('circuitBreaker.halfOpenProbes', input.halfOpenProbes, 1),
    halfOpenWaiting: check.oneOf('circuitBreaker.halfOpenWaiting', input.halfOpenWaiting, ['reject', 'wait'], 'reject'),
    isFailure: check.optionalFunction<(error: unknown) => boolean>('circuitBreaker.isFailure', input.isFailure),
    slowCall,
    clock: input.clock ?? systemClock,
    logger: resolveLogger(input.logger),
  };
}

/** opossum's action: run the rest of the chain. Shared by every breaker. */
const runNext = (next: Next<unknown>, run: Run): Promise<unknown> => next(run);

/**
 * The breaker. A class rather than closures: ten thousand breakers share
 * one set of methods, which keeps a breaker close to opossum's own size.
 */
class Breaker implements CircuitBreakerPolicy {
  readonly kind = 'circuit-breaker' as const;
  readonly name: string;
  private readonly settings: Settings;
  private readonly engine: CircuitBreaker;
  private readonly rotator: { release(): void };
  private readonly limit: TimeoutPolicy | undefined;
  private readonly slowWindow: RollingWindow | undefined;
  /** Created on the first `onStateChange`: most breakers never get a listener. */
  private changes: Emitter<CircuitStateChange> | undefined;
  private readonly unregister: () => void;
  private current: CircuitState = 'closed';
  private since: number;
  private halfOpenAt: number | undefined;
  private halfOpenTimer: TimerHandle | undefined;
  private probesStarted = 0;
  private probesSucceeded = 0;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(input: CircuitBreakerOptions) {
    const settings = settingsFrom(input);
    this.settings = settings;
    this.name = settings.name;
    const { clock, window, windowBuckets } = settings;
    this.limit =
      input.timeout === undefined ? undefined : timeoutPolicy({ duration: input.timeout, name: this.name, clock });
    this.since = clock.now();
    const rotator = acquireRotator(clock, Math.floor(window / windowBuckets));
    this.rotator = rotator;
    const restore = input.restore;
    this.engine = new CircuitBreaker(runNext, {
      name: this.name,
      // Timeouts are ours, per call: opossum's abort controller is shared by every call (#780, #861).
      timeout: false,
      resetTimeout: NEVER,
      // opossum opens when the rate *exceeds* the threshold; we document "reaches".
      errorThresholdPercentage: settings.failureRatio * 100 - 1e-9,
      volumeThreshold: settings.minimumThroughput,
      rollingCountTimeout: window,
      rollingCountBuckets: windowBuckets,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: rotator.emitter,
      errorFilter: (error: unknown) => !this.isFailure(error),
      // opossum's own restore path for the window counts.
      status: restore
        ? { fires: restore.window.calls, failures: restore.window.failures, successes: restore.window.successes }
        : undefined,
    } as CircuitBreaker.Options & { status?: unknown });
    this.slowWindow = settings.slowCall ? new RollingWindow(clock, window, windowBuckets, 2) : undefined;
    // opossum decides "too many failures" over its rolling window; we own every other transition.
    this.engine.on('open', () => {
      if (this.current === 'closed') this.transition('open', 'failure-ratio');
    });
    if (restore) this.restore(restore);
    this.unregister = registerBreaker(this, input.meterProvider);
  }

  get state(): CircuitState {
    return this.current;
  }

  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    return executeAlone(this, operation, options);
  }

  wrap<T>(next: Next<T>, run: Run): Promise<T> {
    if (this.closed) return Promise.reject(closedError(`Circuit breaker "${this.name}"`));
    if (this.current === 'closed') return this.callClosed(next, run);
    if (this.current === 'open' && this.halfOpenAt !== undefined && this.settings.clock.now() >= this.halfOpenAt) {
      this.transition('half-open', 'half-open-after');
    }
    if (this.current === 'half-open') {
      if (this.probesStarted < this.settings.halfOpenProbes) return this.probe(next, run);
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
    const whenOpen = check.oneOf('healthCheck.whenOpen', options.whenOpen, ['fail', 'warn'], 'fail');
    const whenHalfOpen = check.oneOf(
      'healthCheck.whenHalfOpen',
      options.whenHalfOpen,
      ['pass', 'warn', 'fail'],
      'warn',
    );
    return Object.assign(
      (): BreakerHealthResult => {
        const state = this.current;
        if (state === 'closed') return { status: 'pass', observedValue: state };
        const status = state === 'half-open' ? whenHalfOpen : whenOpen;
        return { status, observedValue: state, output: `circuit breaker "${this.name}" is ${state}` };
      },
      { measurement: 'state', componentType: 'component' },
    );
  }

  toJSON(): CircuitBreakerSnapshot {
    const stats = this.engine.stats;
    return {
      name: this.name,
      state: this.current,
      since: this.since,
      halfOpenAt: this.halfOpenAt,
      window: { calls: stats.fires, failures: stats.failures, successes: stats.successes },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearHalfOpenTimer();
    this.release(closedError(`Circuit breaker "${this.name}"`));
    this.engine.shutdown();
    this.rotator.release();
    this.unregister();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
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
    const engineNext: Next<T> = this.limit ? (inner) => this.guarded(next, inner) : next;
    if (!this.slowWindow) return this.engine.fire(engineNext, run) as Promise<T>;
    const started = this.settings.clock.now();
    return (this.engine.fire(engineNext, run) as Promise<T>).then(
      (value) => {
        this.recordSlow(started);
        return value;
      },
      (error: unknown) => {
        this.recordSlow(started);
        throw error;
      },
    );
  }

  private recordSlow(started: number): void {
    const { slowWindow } = this;
    const { slowCall, clock, minimumThroughput } = this.settings;
    if (!slowWindow || !slowCall) return;
    const slow = clock.now() - started >= slowCall.duration;
    slowWindow.add(CALLS);
    if (slow) slowWindow.add(SLOW);
    if (!slow || this.current !== 'closed') return;
    const calls = slowWindow.sum(CALLS);
    if (calls >= minimumThroughput && slowWindow.sum(SLOW) / calls >= slowCall.ratio) {
      this.transition('open', 'slow-call-ratio');
    }
  }

  private probe<T>(next: Next<T>, run: Run): Promise<T> {
    this.probesStarted++;
    return this.guarded(next, run).then(
      (value) => {
        if (this.current === 'half-open' && ++this.probesSucceeded >= this.settings.halfOpenProbes) {
          this.transition('closed', 'probes-succeeded');
        }
        return value;
      },
      (error: unknown) => {
        if (this.current === 'half-open') {
          if (this.isFailure(error)) this.transition('open', 'probe-failed');
          else if (isLocalRefusal(error)) this.probesStarted--; // an aborted probe proves nothing: free its slot
        }
        throw error;
      },
    );
  }

  private reject<T>(run: Run): Promise<T> {
    const { halfOpenAt } = this;
    const retryAfter = halfOpenAt === undefined ? undefined : Math.max(0, halfOpenAt - this.settings.clock.now());
    const error = circuitOpenError(this.name, this.current, retryAfter);
    run.emit?.(this.name, 'circuit-rejected', { attempt: run.attempt, error });
    return Promise.reject(error);
  }

  private waitForProbes<T>(next: Next<T>, run: Run): Promise<T> {
    return new Promise<void>((resolve, reject) => {
      const cancellation = run.cancellation;
      const entry: Waiter = {
        resolve: () => {
          stopListening();
          resolve();
        },
        reject: (error) => {
          stopListening();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
          reject(error);
        },
      };
      this.waiters.push(entry);
      const stopListening = cancellation.onAbort(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(abortedBy(cancellation));
      });
    }).then(() => this.wrap(next, run));
  }

  private restore(snapshot: CircuitBreakerSnapshot): void {
    const { clock } = this.settings;
    const at = clock.now();
    if (snapshot.state === 'isolated') this.transition('isolated', 'restore');
    else if (snapshot.state === 'half-open' || (snapshot.state === 'open' && (snapshot.halfOpenAt ?? 0) <= at)) {
      this.transition('half-open', 'restore');
    } else if (snapshot.state === 'open') {
      this.transition('open', 'restore');
      this.clearHalfOpenTimer();
      const halfOpenAt = snapshot.halfOpenAt ?? at + this.settings.halfOpenAfter;
      this.halfOpenAt = halfOpenAt;
      this.halfOpenTimer = clock.setTimeout(() => this.transition('half-open', 'half-open-after'), halfOpenAt - at, {
        background: true,
      });
    }
  }

  private clearHalfOpenTimer(): void {
    if (this.halfOpenTimer !== undefined) this.settings.clock.clearTimeout(this.halfOpenTimer);
    this.halfOpenTimer = undefined;
  }

  private transition(to: CircuitState, reason: string): void {
    const from = this.current;
    if (from === to) return;
    const { clock, halfOpenAfter, logger } = this.settings;
    this.current = to;
    this.since = clock.now();
    this.clearHalfOpenTimer();
    this.halfOpenAt = undefined;
    if (to === 'open') {
      this.halfOpenAt = this.since + halfOpenAfter;
      // Nobody awaits the open period: calls are rejected, not parked, until it ends.
      this.halfOpenTimer = clock.setTimeout(() => this.transition('half-open', 'half-open-after'), halfOpenAfter, {
        background: true,
      });
    } else if (to === 'half-open') {
      this.probesStarted = 0;
      this.probesSucceeded = 0;
    }
    if (to === 'closed') {
      this.engine.close();
      this.forgetWindow();
      this.release(undefined);
    } else {
      if (!this.engine.opened) this.engine.open();
      if (to !== 'half-open') this.release(circuitOpenError(this.name, to));
    }
    logger.info({ breaker: this.name, from, to, reason }, 'circuit breaker state changed');
    this.changes?.emit({ name: this.name, from, to, at: this.since, reason });
  }

  /** Settles the calls waiting for half-open probes: proceed (`undefined`) or reject. */
  private release(error: unknown): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  /** Closing starts a fresh window: old failures must not reopen the breaker at once. */
  private forgetWindow(): void {
    const status = this.engine.status as unknown as { rotateBucket: () => void };
    for (let bucket = 0; bucket < this.settings.windowBuckets; bucket++) status.rotateBucket();
    this.slowWindow?.reset();
  }
}

/**
 * A circuit breaker on opossum's rolling window, with its traps fixed:
 * `minimumThroughput` (default 10) so one failure never opens it; a
 * per-call timeout signal so one timeout aborts only its own call; local
 * refusals (bulkhead, aborts) not counted as failures; `halfOpenProbes`
 * probes instead of exactly one; half-open timing on an injectable clock.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from '@telltale/resilience';
 * const breaker = circuitBreaker({
 *   name: 'inventory-api',
 *   failureRatio: 0.5,
 *   minimumThroughput: 20,
 *   window: '30s',
 *   halfOpenAfter: '15s',
 *   timeout: '2s',
 *   isFailure: (error) => !(error instanceof HttpError && error.status < 500),
 * });
 * breaker.onStateChange(({ from, to }) => logger.warn({ from, to }, 'inventory breaker'));
 * const stock = await breaker.execute(({ signal }) => fetchStock(sku, { signal }));
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerPolicy {
  return new Breaker(check.object('circuitBreaker', options));
}
