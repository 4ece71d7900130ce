import {
  options as check,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type TimerHandle,
} from '@telltale/core';
import { timeoutError } from './errors.js';
import { NEVER_CANCELLED, Scope } from './cancellation.js';
import { abortedBy, type ExecuteOptions, type Next, type Operation, type Policy, type Run } from './policy.js';
import { executeAlone } from './standalone.js';

const ignore = (): void => {};

/**
 * Options for {@link timeout} when given as an object.
 *
 * @example
 * ```ts
 * import { timeout, type TimeoutOptions } from '@telltale/resilience';
 * const options: TimeoutOptions = { duration: '1500ms', name: 'db-timeout' };
 * const policy = timeout(options);
 * ```
 */
export interface TimeoutOptions {
  /** Time limit per call: milliseconds or a duration string (`'2s'`). */
  duration: DurationInput;
  /** Strategy name in events (default `'timeout'`). */
  name?: string;
  /** Clock for tests (default: the system clock). */
  clock?: Clock;
}

/**
 * A {@link Policy} that aborts calls running longer than its limit.
 *
 * @example
 * ```ts
 * import { timeout, type TimeoutPolicy } from '@telltale/resilience';
 * const limit: TimeoutPolicy = timeout('2s');
 * limit.milliseconds; // 2000
 * ```
 */
export interface TimeoutPolicy extends Policy {
  readonly kind: 'timeout';
  /** The limit in milliseconds. */
  readonly milliseconds: number;
}

interface Deadline {
  at: number;
  fail: (error?: unknown) => void;
  previous: Deadline | undefined;
  next: Deadline | undefined;
}

/**
 * In-flight calls of one timeout policy, in deadline order. Every call has
 * the same limit, so deadlines only grow: a linked list with a single timer
 * armed for its head replaces one `setTimeout` per call.
 */
class DeadlineList {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  /** The armed timer was unref'ed because no call is waiting on it. */
  private idle = false;

  constructor(private readonly clock: Clock) {}

  add(entry: Deadline): void {
    entry.previous = this.tail;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    if (this.timer === undefined) this.arm(entry.at);
    else if (this.idle) this.hold(true);
  }

  remove(entry: Deadline): void {
    if (entry.previous) entry.previous.next = entry.next;
    else if (this.head === entry) this.head = entry.next;
    else return;
    if (entry.next) entry.next.previous = entry.previous;
    else this.tail = entry.previous;
    entry.previous = entry.next = undefined;
    // A caller awaits each deadline, so the timer holds the process only while one is pending.
    if (this.head === undefined && this.timer !== undefined) this.hold(false);
  }

  /** Cheaper than clearing and re-arming per call; handles of fake clocks hold nothing. */
  private hold(hold: boolean): void {
    const timer = this.timer;
    this.idle = !hold;
    if (typeof timer === 'object' && 'ref' in timer) {
      if (hold) timer.ref();
      else timer.unref();
    }
  }

  private arm(at: number): void {
    this.timerAt = at;
    this.idle = false;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    // Fake and real clocks may fire a hair early; treat the armed time as reached.
    const reached = Math.max(now, this.timerAt);
    while (this.head && this.head.at <= reached) {
      const entry = this.head;
      this.remove(entry);
      entry.fail();
    }
    if (this.head) this.arm(this.head.at);
  }
}

/**
 * Limits each call to `duration`. On expiry the call's `signal` aborts (so
 * `fetch` and friends stop) and the call rejects with `TELLTALE_TIMEOUT`,
 * even if the operation ignores the signal. Each call gets its own signal:
 * one call timing out never aborts another.
 *
 * @example
 * ```ts
 * import { timeout } from '@telltale/resilience';
 * const limit = timeout('2s');
 * const response = await limit.execute(({ signal }) => fetch('https://example.com', { signal }));
 * ```
 */
export function timeout(duration: DurationInput | TimeoutOptions): TimeoutPolicy {
  const input: TimeoutOptions =
    typeof duration === 'object' && duration !== null ? check.object('timeout', duration) : { duration };
  const milliseconds = check.duration('timeout.duration', input.duration);
  if (milliseconds <= 0) {
    throw new TelltaleConfigError({ option: 'timeout.duration', value: input.duration, expected: 'a duration > 0' });
  }
  const name = check.nonEmptyString('timeout.name', input.name, 'timeout');
  const clock = input.clock ?? systemClock;
  const deadlines = new DeadlineList(clock);

  const policy: TimeoutPolicy = {
    kind: 'timeout',
    name,
    milliseconds,
    execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, options);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      const outer = run.cancellation;
      if (outer.aborted) return Promise.reject(abortedBy(outer));
      const scope = new Scope(outer);
      return new Promise<T>((resolve, reject) => {
        let settled = false;
        const entry: Deadline = {
          at: clock.now() + milliseconds,
          previous: undefined,
          next: undefined,
          fail(cause?: unknown) {
            if (settled) return;
            settled = true;
            deadlines.remove(entry);
            stopListening();
            const error = cause ?? timeoutError(milliseconds, name);
            if (cause === undefined) {
              run.emit?.(name, 'timed-out', { attempt: run.attempt, error });
              scope.abort(error);
            }
            scope.dispose();
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
            reject(error);
          },
        };
        // The caller's abort rejects at once, even if the operation ignores its signal.
        const stopListening = outer === NEVER_CANCELLED ? ignore : scope.onAbort(() => entry.fail(abortedBy(outer)));
        deadlines.add(entry);
        next({ ...run, cancellation: scope }).then(
          (value) => {
            if (settled) return;
            settled = true;
            deadlines.remove(entry);
            scope.dispose();
            resolve(value);
          },
          (error: unknown) => {
            if (settled) return;
            settled = true;
            deadlines.remove(entry);
            scope.dispose();
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
            reject(error);
          },
        );
      });
    },
  };
  return policy;
}
