import {
  options as check,
  systemClock,
  TelltaleError,
  type Clock,
  type DurationInput,
  type TimerHandle,
} from '@telltale/core';
import { Scope } from './cancellation.js';
import { abortedBy, type ExecuteOptions, type Next, type Operation, type Policy, type Run } from './policy.js';
import { executeAlone } from './standalone.js';

/**
 * Options for {@link hedge}.
 *
 * @example
 * ```ts
 * import { hedge, type HedgeOptions } from '@telltale/resilience';
 * const options: HedgeOptions = { after: '250ms', maxHedges: 2 };
 * const policy = hedge(options);
 * ```
 */
export interface HedgeOptions {
  /** Start another copy when the running ones have not answered after this long (required). */
  after: DurationInput;
  /** Extra copies at most (default 1). */
  maxHedges?: number;
  /** Strategy name (default `'hedge'`). */
  name?: string;
  /** Clock for tests. */
  clock?: Clock;
}

/**
 * A hedging {@link Policy}.
 *
 * @example
 * ```ts
 * import { hedge, type HedgePolicy } from '@telltale/resilience';
 * const policy: HedgePolicy = hedge({ after: '200ms' });
 * const user = await policy.execute(({ signal }) => loadUser(id, { signal }));
 * ```
 */
export interface HedgePolicy extends Policy {
  readonly kind: 'hedge';
}

/**
 * Hedged requests for idempotent calls: when the first attempt is slow,
 * start another; the first success wins and the others are aborted through
 * their signals. A copy that fails starts the next hedge at once. Rejects
 * with the last error when every copy failed.
 *
 * @example
 * ```ts
 * import { hedge } from '@telltale/resilience';
 * const fast = hedge({ after: '300ms', maxHedges: 2 });
 * const text = await fast.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
 * ```
 */
export function hedge(options: HedgeOptions): HedgePolicy {
  const input = check.object('hedge', options);
  const after = check.duration('hedge.after', input.after);
  const maxHedges = check.positiveInteger('hedge.maxHedges', input.maxHedges, 1);
  const name = check.nonEmptyString('hedge.name', input.name, 'hedge');
  const clock = input.clock ?? systemClock;

  const policy: HedgePolicy = {
    kind: 'hedge',
    name,
    execute<T>(operation: Operation<T>, executeOptions?: ExecuteOptions): Promise<T> {
      return executeAlone(policy, operation, executeOptions);
    },
    wrap<T>(next: Next<T>, run: Run): Promise<T> {
      const outer = run.cancellation;
      if (outer.aborted) return Promise.reject(abortedBy(outer));
      return new Promise<T>((resolve, reject) => {
        const copies: Scope[] = [];
        let failures = 0;
        let lastError: unknown;
        let settled = false;
        let timer: TimerHandle | undefined;

        const finish = (winner?: Scope): void => {
          settled = true;
          if (timer !== undefined) clock.clearTimeout(timer);
          stopListening();
          const reason = new TelltaleError('TELLTALE_ABORTED', 'Hedged copy no longer needed');
          for (const copy of copies) {
            // The winner's signal stays live: its response body may still be streaming.
            if (copy !== winner) copy.abort(reason);
            copy.dispose();
          }
        };
        const stopListening = outer.onAbort(() => {
          if (settled) return;
          finish();
          reject(abortedBy(outer));
        });
        const launch = (): void => {
          if (settled || copies.length > maxHedges) return;
          if (timer !== undefined) clock.clearTimeout(timer);
          const scope = new Scope(outer);
          copies.push(scope);
          if (copies.length > 1) run.emit?.(name, 'hedge-launched', { attempt: run.attempt });
          if (copies.length <= maxHedges) timer = clock.setTimeout(launch, after);
          next({ ...run, cancellation: scope }).then(
            (value) => {
              if (settled) return;
              finish(scope);
              resolve(value);
            },
            (error: unknown) => {
              if (settled) return;
              failures++;
              lastError = error;
              if (copies.length <= maxHedges) launch();
              else if (failures === copies.length) {
                finish();
                // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
                reject(lastError);
              }
            },
          );
        };
        launch();
      });
    },
  };
  return policy;
}
