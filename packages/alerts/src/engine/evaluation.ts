import type { AlertGroup, Clock, Logger } from '@telltale/core';
import type { RuleGroup } from '../rules/load-rules.js';
import type { SeriesSource, SeriesStore } from '../store/series-store.js';
import type { AlertSender } from './send-alerts.js';
import type { RuleRunner } from './rule-runner.js';
import type { EngineTelemetry } from './telemetry.js';

/** Result of one evaluation cycle. */
export interface EvaluationResult {
  readonly time: number;
  /**
   * Alert groups handed to receivers by this evaluation (per-rule mode). With a
   * `route`, groups are flushed on their own timers (group_wait, group_interval),
   * not by the evaluation, so this is empty: use `onNotification` or `state().groups`.
   */
  readonly sent: readonly AlertGroup[];
  /** Rules whose query failed, with the error. */
  readonly errors: readonly { readonly group: string; readonly rule: string; readonly error: Error }[];
}

/** What an evaluation reads and writes. */
export interface EvaluationOptions {
  readonly source: SeriesSource;
  readonly store: SeriesStore;
  readonly runner: RuleRunner;
  readonly sender: AlertSender;
  /** Evaluates the regression rules and hands their alerts on, once per time; unset without rules. */
  readonly regressions: ((time: number) => void) | undefined;
  readonly telemetry: Pick<EngineTelemetry, 'evaluation'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One evaluation of rule groups, and what the last ones found (for `state()`). */
export interface Evaluation {
  evaluate(groups: readonly RuleGroup[]): Promise<EvaluationResult>;
  readonly lastEvaluation: number | undefined;
  readonly groupEvaluations: ReadonlyMap<string, { readonly time: number; readonly seconds: number }>;
}

/**
 * Prometheus' `Group.Eval` (rules/group.go): collect from the source (a scrape), evaluate each
 * group's rules in order at one timestamp, record how long it took, then hand the alerts on.
 */
export function createEvaluation(options: EvaluationOptions): Evaluation {
  const { source, store, runner, sender, telemetry, clock, logger } = options;
  const groupEvaluations = new Map<string, { time: number; seconds: number }>();
  let lastEvaluation: number | undefined;
  let lastCollected = Number.NaN;
  let lastTruncated = Number.NaN;
  let lastRegressionTime = Number.NaN;

  const collect = async (time: number): Promise<void> => {
    if (time === lastCollected) return;
    lastCollected = time;
    try {
      store.ingest('source', await source.collect(time), time);
    } catch (error) {
      // A failed collection is a failed scrape: every series goes stale.
      logger.warn({ err: error }, 'alert engine: series source failed');
      store.ingest('source', [], time);
    }
  };

  const deliver = async (groups: readonly RuleGroup[], time: number): Promise<EvaluationResult> => {
    // Every rule's alerts reach the router before anything is sent, so inhibition sees them all.
    sender.handOver(groups, time);
    const sent: AlertGroup[] = [];
    const errors: { group: string; rule: string; error: Error }[] = [];
    for (const group of groups) {
      for (const [index, error] of runner.recordingErrors.get(group.name) ?? []) {
        const rule = group.rules[index]!.name;
        errors.push({ group: group.name, rule, error });
        logger.warn({ group: group.name, rule, err: error }, 'alert engine: recording rule failed');
      }
      for (const state of runner.states.get(group.name) ?? []) {
        if (state.lastError) {
          errors.push({ group: group.name, rule: state.rule.name, error: state.lastError });
          logger.warn(
            { group: group.name, rule: state.rule.name, err: state.lastError },
            'alert engine: rule evaluation failed',
          );
        }
        sent.push(...(await sender.sendDue(state, time)));
      }
    }
    return { time, sent, errors };
  };

  return {
    async evaluate(groups) {
      const time = clock.now();
      await collect(time);
      for (const group of groups) {
        const started = performance.now();
        runner.evaluateGroup(group, time);
        const seconds = (performance.now() - started) / 1000;
        groupEvaluations.set(group.name, { time, seconds });
        const failed =
          (runner.recordingErrors.get(group.name)?.size ?? 0) +
          (runner.states.get(group.name) ?? []).filter((state) => state.lastError !== undefined).length;
        telemetry.evaluation(group.name, seconds, failed);
      }
      lastEvaluation = time;
      if (options.regressions && time !== lastRegressionTime) {
        lastRegressionTime = time;
        options.regressions(time);
      }
      // Dropping expired samples walks every series; once a minute is plenty.
      if (!(time - lastTruncated < 60_000)) {
        store.truncate(time);
        lastTruncated = time;
      }
      return deliver(groups, time);
    },
    get lastEvaluation() {
      return lastEvaluation;
    },
    groupEvaluations,
  };
}
