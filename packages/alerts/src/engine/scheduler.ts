import type { Clock, Logger, TimerHandle } from '@telltale/core';
import type { RuleGroup } from '../rules/load-rules.js';

/** The evaluation loop: each group on its own timer, every evaluation after the one before. */
export interface Scheduler<T> {
  /** Starts every group's timer. */
  start(): void;
  /** Evaluates these groups once the running evaluation is over. */
  run(groups: readonly RuleGroup[]): Promise<T>;
  /** Stops the timers and waits for the running evaluation. */
  close(): Promise<void>;
}

/**
 * Prometheus' group loop (rules/group.go `run`), one timer per group at its `interval` (or the
 * engine's). The timers are background ones: nobody awaits the loop; `evaluate()` callers await
 * their own run. Evaluations never overlap, so rule state and the store change one at a time.
 */
export function createScheduler<T>(options: {
  readonly groups: readonly RuleGroup[];
  readonly interval: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly evaluate: (groups: readonly RuleGroup[]) => Promise<T>;
}): Scheduler<T> {
  const { clock, logger } = options;
  const timers = new Map<RuleGroup, TimerHandle>();
  let closed = false;
  let running: Promise<unknown> = Promise.resolve();

  const run = (groups: readonly RuleGroup[]): Promise<T> => {
    const next = running.then(() => options.evaluate(groups));
    running = next.catch(() => undefined);
    return next;
  };

  const schedule = (group: RuleGroup): void => {
    if (closed) return;
    timers.set(
      group,
      clock.setTimeout(
        () => {
          run([group]).catch((error: unknown) => logger.error({ err: error }, 'alert engine: evaluation failed'));
          schedule(group);
        },
        group.interval ?? options.interval,
        { background: true },
      ),
    );
  };

  return {
    start: () => options.groups.forEach(schedule),
    run,
    async close() {
      closed = true;
      for (const handle of timers.values()) clock.clearTimeout(handle);
      timers.clear();
      await running;
    },
  };
}
