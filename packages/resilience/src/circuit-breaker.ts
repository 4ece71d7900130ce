import type { MeterProvider } from '@opentelemetry/api';
import {
  abortError,
  createEmitter,
  options as check,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
import CircuitBreaker from 'opossum';
import { circuitOpenError, closedError, isLocalRefusal } from './errors.js';
import type { ExecuteOptions, Next, Operation, Policy, Run } from './policy.js';
import { RollingWindow } from './rolling-window.js';
import { acquireRotator } from './rotator.js';
import { executeAlone } from './standalone.js';
import { registerBreaker } from './telemetry.js';
import { timeout as timeoutPolicy } from './timeout.js';

/** Breaker states. `isolated` is a manual open that only `reset()` ends. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What `onStateChange` listeners receive. */
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

/** A breaker's state as JSON, for {@link CircuitBreakerOptions.restore}. */
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

/** Options for {@link CircuitBreaker.healthCheck}. */
export interface BreakerHealthOptions {
  /** Status while open or isolated (default `'fail'`). */
  whenOpen?: 'fail' | 'warn';
  /** Status while half-open (default `'warn'`). */
  whenHalfOpen?: 'pass' | 'warn' | 'fail';
}

/** Result shape of {@link CircuitBreaker.healthCheck}, compatible with `@telltale/health`. */
export interface BreakerHealthResult {
  status: 'pass' | 'warn' | 'fail';
  observedValue: CircuitState;
  output?: string;
}

/** Options for {@link circuitBreaker}. */
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

/** A circuit breaker {@link Policy}. See {@link circuitBreaker}. */
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
  const input = check.object('circuitBreaker', options);
  const name = check.nonEmptyString('circuitBreaker.name', input.name, 'circuit-breaker');
  const failureRatio = check.numberInRange('circuitBreaker.failureRatio', input.failureRatio, 0.0001, 1, 0.5);
  const minimumThroughput = check.positiveInteger('circuitBreaker.minimumThroughput', input.minimumThroughput, 10);
  const window = check.duration('circuitBreaker.window', input.window, '10s');
  const windowBuckets = check.positiveInteger('circuitBreaker.windowBuckets', input.windowBuckets, 10);
  const halfOpenAfter = check.duration('circuitBreaker.halfOpenAfter', input.halfOpenAfter, '30s');
  const halfOpenProbes = check.positiveInteger('circuitBreaker.halfOpenProbes', input.halfOpenProbes, 1);
  const halfOpenWaiting = check.oneOf(
    'circuitBreaker.halfOpenWaiting',
    input.halfOpenWaiting,
    ['reject', 'wait'],
    'reject',
  );
  const isFailureOption = check.optionalFunction<(error: unknown) => boolean>(
    'circuitBreaker.isFailure',
    input.isFailure,
  );
  const clock = input.clock ?? systemClock;
  const logger = resolveLogger(input.logger);
  if (window < windowBuckets) {
    throw new TelltaleConfigError({
      option: 'circuitBreaker.window',
      value: input.window,
      expected: `a duration >= windowBuckets (${windowBuckets}) ms`,
    });
  }
  let slowCall: { duration: number; ratio: number } | undefined;
  if (input.slowCall !== undefined) {
    const slow = check.object('circuitBreaker.slowCall', input.slowCall);
    slowCall = {
      duration: check.duration('circuitBreaker.slowCall.duration', slow.duration),
      ratio: check.numberInRange('circuitBreaker.slowCall.ratio', slow.ratio, 0.0001, 1),
    };
  }
  const limit = input.timeout === undefined ? undefined : timeoutPolicy({ duration: input.timeout, name, clock });

  const isFailure = (error: unknown): boolean =>
    !isLocalRefusal(error) && (isFailureOption ? isFailureOption(error) : true);
  const bucketInterval = Math.floor(window / windowBuckets);
  const rotator = acquireRotator(clock, bucketInterval);
  const restore = input.restore;
  const engine = new CircuitBreaker((next: Next<unknown>, run: Run) => next(run), {
    name,
    // Timeouts are ours, per call: opossum's abort controller is shared by every call (#780, #861).
    timeout: false,
    resetTimeout: NEVER,
    // opossum opens when the rate *exceeds* the threshold; we document "reaches".
    errorThresholdPercentage: failureRatio * 100 - 1e-9,
    volumeThreshold: minimumThroughput,
    rollingCountTimeout: window,
    rollingCountBuckets: windowBuckets,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    rotateBucketController: rotator.emitter,
    errorFilter: (error: unknown) => !isFailure(error),
    ...(restore
      ? {
          status: {
            fires: restore.window.calls,
            failures: restore.window.failures,
            successes: restore.window.successes,
          },
        }
      : {}),
  } as CircuitBreaker.Options & { status?: unknown });
  const slowWindow = slowCall ? new RollingWindow(clock, window, windowBuckets, 2) : undefined;

  const changes = createEmitter<CircuitStateChange>((error) =>
    logger.error({ err: error, breaker: name }, 'onStateChange listener threw'),
  );
  let state: CircuitState = 'closed';
  let since = clock.now();
  let halfOpenAt: number | undefined;
  let halfOpenTimer: TimerHandle | undefined;
  let probesStarted = 0;
  let probesSucceeded = 0;
  let waiters: Waiter[] = [];
  let closed = false;

  const transition = (to: CircuitState, reason: string): void => {
    const from = state;
    if (from === to) return;
    state = to;
    since = clock.now();
    if (halfOpenTimer !== undefined) {
      clock.clearTimeout(halfOpenTimer);
      halfOpenTimer = undefined;
    }
    halfOpenAt = undefined;
    if (to === 'open') {
      halfOpenAt = since + halfOpenAfter;
      halfOpenTimer = clock.setTimeout(() => transition('half-open', 'half-open-after'), halfOpenAfter);
    }
    if (to === 'half-open') {
      probesStarted = 0;
      probesSucceeded = 0;
    }
    if (to === 'closed') {
      engine.close();
      forgetWindow();
      release(waiters, undefined);
    } else if (!engine.opened) {
      engine.open();
    }
    if (to === 'open' || to === 'isolated') release(waiters, circuitOpenError(name, to));
    logger.info({ breaker: name, from, to, reason }, 'circuit breaker state changed');
    changes.emit({ name, from, to, at: since, reason });
  };

  const release = (list: Waiter[], error: unknown): void => {
    if (list.length === 0) return;
    waiters = [];
    for (const waiter of list) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  };

  const forgetWindow = (): void => {
    const status = engine.status as unknown as { rotateBucket: () => void };
    for (let bucket = 0; bucket < windowBuckets; bucket++) status.rotateBucket();
    slowWindow?.reset();
  };

  // opossum decides "too many failures" over its rolling window; we own every other transition.
  engine.on('open', () => {
    if (state === 'closed') transition('open', 'failure-ratio');
  });

  if (restore) {
    const at = clock.now();
    if (restore.state === 'isolated') transition('isolated', 'restore');
    else if (restore.state === 'half-open' || (restore.state === 'open' && (restore.halfOpenAt ?? 0) <= at)) {
      transition('half-open', 'restore');
    } else if (restore.state === 'open') {
      transition('open', 'restore');
      clock.clearTimeout(halfOpenTimer!);
      halfOpenAt = restore.halfOpenAt ?? at + halfOpenAfter;
      halfOpenTimer = clock.setTimeout(() => transition('half-open', 'half-open-after'), halfOpenAt - at);
    }
  }

  const guarded = <T>(next: Next<T>, run: Run): Promise<T> => (limit ? limit.wrap(next, run) : next(run));

  const recordSlow = (started: number): void => {
    if (!slowWindow || !slowCall) return;
    const slow = clock.now() - started >= slowCall.duration;
    slowWindow.add(CALLS);
    if (slow) slowWindow.add(SLOW);
    if (!slow || state !== 'closed') return;
    const calls = slowWindow.sum(CALLS);
    if (calls >= minimumThroughput && slowWindow.sum(SLOW) / calls >= slowCall.ratio)
      transition('open', 'slow-call-ratio');
  };

  const callClosed = <T>(next: Next<T>, run: Run): Promise<T> => {
    const engineNext: Next<unknown> = (inner) => guarded(next, inner);
    if (!slowWindow) return engine.fire(engineNext, run) as Promise<T>;
    const started = clock.now();
    return (engine.fire(engineNext, run) as Promise<T>).then(
      (value) => {
        recordSlow(started);
        return value;
      },
      (error: unknown) => {
        recordSlow(started);
        throw error;
      },
    );
  };

  const probe = <T>(next: Next<T>, run: Run): Promise<T> => {
    probesStarted++;
    return guarded(next, run).then(
      (value) => {
        if (state === 'half-open' && ++probesSucceeded >= halfOpenProbes) transition('closed', 'probes-succeeded');
        return value;
      },
      (error: unknown) => {
        if (state === 'half-open') {
          if (isFailure(error)) transition('open', 'probe-failed');
          else if (isLocalRefusal(error)) probesStarted--; // an aborted probe proves nothing: free its slot
        }
        throw error;
      },
    );
  };

  const reject = <T>(run: Run): Promise<T> => {
    const error = circuitOpenError(
      name,
      state,
      halfOpenAt === undefined ? undefined : Math.max(0, halfOpenAt - clock.now()),
    );
    run.emit?.(name, 'circuit-rejected', { attempt: run.attempt, error });
    return Promise.reject(error);
  };

  const waitForProbes = <T>(next: Next<T>, run: Run): Promise<T> =>
    new Promise<void>((resolve, reject) => {
      const signal = run.signal;
      const onAbort = (): void => {
        waiters = waiters.filter((waiter) => waiter !== entry);
        reject(abortError(signal));
      };
      const entry: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
          reject(error);
        },
      };
      waiters.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    }).then(() => policy.wrap(next, run));

  const policy: CircuitBreakerPolicy = {
    kind: 'circuit-breaker',
    name,
    get state() {
      return state;
    },
    execute<T>(operation: Operation<T>, executeOptions?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, executeOptions);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      if (closed) return Promise.reject(closedError(`Circuit breaker "${name}"`));
      if (state === 'open' && halfOpenAt !== undefined && clock.now() >= halfOpenAt)
        transition('half-open', 'half-open-after');
      switch (state) {
        case 'closed':
          return callClosed(next, run);
        case 'half-open':
          if (probesStarted < halfOpenProbes) return probe(next, run);
          return halfOpenWaiting === 'wait' ? waitForProbes(next, run) : reject(run);
        default:
          return reject(run);
      }
    },
    isolate: () => transition('isolated', 'isolate'),
    reset: () => transition('closed', 'reset'),
    onStateChange: (listener) => changes.on(listener),
    healthCheck(healthOptions: BreakerHealthOptions = {}) {
      const whenOpen = check.oneOf('healthCheck.whenOpen', healthOptions.whenOpen, ['fail', 'warn'], 'fail');
      const whenHalfOpen = check.oneOf(
        'healthCheck.whenHalfOpen',
        healthOptions.whenHalfOpen,
        ['pass', 'warn', 'fail'],
        'warn',
      );
      return Object.assign(
        (): BreakerHealthResult => {
          if (state === 'closed') return { status: 'pass', observedValue: state };
          const status = state === 'half-open' ? whenHalfOpen : whenOpen;
          return { status, observedValue: state, output: `circuit breaker "${name}" is ${state}` };
        },
        { measurement: 'state', componentType: 'component' },
      );
    },
    toJSON() {
      const stats = engine.stats;
      return {
        name,
        state,
        since,
        halfOpenAt,
        window: { calls: stats.fires, failures: stats.failures, successes: stats.successes },
      };
    },
    close() {
      if (closed) return;
      closed = true;
      if (halfOpenTimer !== undefined) clock.clearTimeout(halfOpenTimer);
      halfOpenTimer = undefined;
      release(waiters, closedError(`Circuit breaker "${name}"`));
      engine.shutdown();
      rotator.release();
      unregister();
    },
    [Symbol.asyncDispose]() {
      policy.close();
      return Promise.resolve();
    },
  };
  const unregister = registerBreaker(policy, input.meterProvider);
  return policy;
}
