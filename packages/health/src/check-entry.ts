import type { Clock } from '@telltale/core';
import { runCheck, type CheckOutcome } from './run-check.js';
import type { HealthCheck, HealthCheckDefaults } from './types.js';

/** A registered check with its resolved options. */
export interface CheckConfig {
  name: string;
  /** `component:measurement` key of the document's `checks` map. */
  key: string;
  component: string;
  componentType: string;
  componentId: string | undefined;
  critical: boolean;
  tags: ReadonlySet<string>;
  timeout: number;
  interval: number | undefined;
  cacheFor: number;
  degradedAfter: number | undefined;
  check: HealthCheck & HealthCheckDefaults;
}

/** A check plus its cached result, single-flight run and background loop. */
export interface CheckEntry {
  readonly config: CheckConfig;
  /** The result to serve now: cached when fresh (or background), else a shared run. */
  current(): CheckOutcome | Promise<CheckOutcome>;
  /** The last finished result, if any (never starts a run). */
  last(): CheckOutcome | undefined;
  close(): void;
}

/**
 * Background checks (with `interval`) run on their own timer and probes read
 * the cached result; on-demand checks run when asked, sharing one run among
 * concurrent callers and reusing the result for `cacheFor`.
 */
export function createCheckEntry(
  config: CheckConfig,
  clock: Clock,
  onOutcome: (config: CheckConfig, outcome: CheckOutcome) => void,
): CheckEntry {
  let last: CheckOutcome | undefined;
  let inflight: Promise<CheckOutcome> | undefined;
  // True from a run's start until the check itself returns, which for a check
  // ignoring its abort signal is long after the timeout answered.
  let busy = false;
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const closing = new AbortController();

  const start = (): Promise<CheckOutcome> => {
    busy = true;
    const run = runCheck({
      name: config.name,
      check: config.check,
      timeout: config.timeout,
      degradedAfter: config.degradedAfter,
      clock,
      signal: closing.signal,
      onSettled: () => {
        busy = false;
      },
    }).then((outcome) => {
      last = outcome;
      inflight = undefined;
      try {
        onOutcome(config, outcome);
      } catch {
        // A throwing logger or meter must not wedge the check.
      }
      // Scheduling after completion means runs never overlap, however slow the check.
      if (config.interval !== undefined && !closing.signal.aborted)
        timer = clock.setTimeout(tick, config.interval, { background: true });
      return outcome;
    });
    inflight = run;
    return run;
  };

  // A background run still hung past its timeout is not started twice: wait another interval.
  function tick(): void {
    if (closing.signal.aborted) return;
    if (!busy) {
      void start();
      return;
    }
    timer = clock.setTimeout(tick, config.interval!, { background: true });
  }

  if (config.interval !== undefined) void start();

  return {
    config,
    current() {
      if (config.interval !== undefined) return last ?? inflight ?? start();
      if (last !== undefined && clock.now() - last.finishedAt < config.cacheFor) return last;
      if (inflight !== undefined) return inflight;
      // The previous run timed out but is still going: serve its timeout result, start nothing.
      if (busy && last !== undefined) return last;
      return start();
    },
    last: () => last,
    close() {
      if (closing.signal.aborted) return;
      closing.abort();
      if (timer !== undefined) clock.clearTimeout(timer);
      config.check.close?.();
    },
  };
}
