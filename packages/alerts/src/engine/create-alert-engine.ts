import {
  formatDuration,
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type AlertGroup,
  type Clock,
  type DurationInput,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
import { loadRules, type LoadedRules, type RuleFileInput, type RuleGroup } from '../rules/load-rules.js';
import { createSeriesStore, type SeriesSource, type SeriesStore } from '../store/series-store.js';
import type { Labels } from '../store/labels.js';
import { needsSending, type AlertState } from './alert-state.js';
import { toAlertGroup, toWebhookAlert } from './alert-groups.js';
import { createRuleRunner } from './rule-runner.js';
import { longestLookback } from '../promql/longest-lookback.js';

/** A receiver: called with one Alertmanager v4 alert group per rule that has alerts to send. */
export type AlertReceiver = (group: AlertGroup) => void | Promise<void>;

/** Options of {@link createAlertEngine}. */
export interface AlertEngineOptions {
  /** Where samples come from on each evaluation, e.g. `otelSeriesSource(reader)`. */
  source: SeriesSource;
  /** A Prometheus rule file (YAML text or object), or the result of `loadRules`. */
  rules: RuleFileInput | LoadedRules;
  /** How often groups without their own `interval` are evaluated. Default `'1m'`. */
  evaluationInterval?: DurationInput;
  /** Named receivers; every alert group goes to each of them. Default none. */
  receivers?: Record<string, AlertReceiver>;
  /** Injectable clock (tests use `createManualClock`). */
  clock?: Clock;
  /** pino-compatible logger; silent by default. */
  logger?: Partial<Logger>;
  /** Labels available to templates as `$externalLabels`. */
  externalLabels?: Record<string, string>;
  /** Base URL for `generatorURL` and `$externalURL`. Default `''`. */
  externalURL?: string;
  /** Minimum time between re-sends of a still-firing (or resolved) alert. Default `'1m'`. */
  resendDelay?: DurationInput;
  /** Instant-selector lookback (staleness window). Default `'5m'`. */
  lookbackDelta?: DurationInput;
  /** How long samples are kept. Default `'1h'`. */
  retention?: DurationInput;
  /** Sample cap per series. Default 1024. */
  maxSamplesPerSeries?: number;
  /** Start the evaluation timers at once. Default `true`; tests may call `evaluate()` instead. */
  autoStart?: boolean;
}

/** One alert as the engine currently holds it. */
export interface AlertSnapshot {
  readonly rule: string;
  readonly group: string;
  readonly state: AlertState;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly value: number;
  readonly activeAt: number;
  readonly firedAt: number | undefined;
  readonly resolvedAt: number | undefined;
}

/** Result of one evaluation cycle. */
export interface EvaluationResult {
  readonly time: number;
  /** Alert groups handed to receivers. */
  readonly sent: readonly AlertGroup[];
  /** Rules whose query failed, with the error. */
  readonly errors: readonly { readonly group: string; readonly rule: string; readonly error: Error }[];
}

/** The running engine. See {@link createAlertEngine}. */
export interface AlertEngine {
  /** Collects from the source, evaluates every group now and notifies receivers. */
  evaluate(): Promise<EvaluationResult>;
  /** Current pending, firing and recently resolved alerts. */
  alerts(): AlertSnapshot[];
  /** The series store (for inspection and ad-hoc queries). */
  readonly store: SeriesStore;
  /** The validated rules. */
  readonly rules: LoadedRules;
  /** Stops the timers. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates the in-process alert engine: collects samples from `source` on
 * every evaluation, evaluates the Prometheus rule file over the in-memory
 * store with Prometheus' alerting semantics, and hands firing and resolved
 * alerts to the receivers as Alertmanager v4 alert groups.
 *
 * @example
 * ```ts
 * import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';
 * const engine = createAlertEngine({
 *   source: otelSeriesSource(reader),
 *   rules: await readFile('alerts.yml', 'utf8'),
 *   evaluationInterval: '30s',
 *   receivers: { log: (group) => console.log(group.status, group.commonLabels.alertname) },
 * });
 * // later: await engine.close();
 * ```
 */
export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  validate.object('options', options);
  if (typeof options.source?.collect !== 'function') {
    throw new TelltaleConfigError({
      option: 'source',
      value: options.source,
      expected: 'a SeriesSource with collect()',
    });
  }
  const rules = loadRules(options.rules);
  const interval = validate.duration('evaluationInterval', options.evaluationInterval, '1m');
  if (interval <= 0)
    throw new TelltaleConfigError({
      option: 'evaluationInterval',
      value: options.evaluationInterval,
      expected: 'a positive duration',
    });
  const receivers = validate.object('receivers', options.receivers);
  for (const [name, receiver] of Object.entries(receivers)) validate.optionalFunction(`receivers.${name}`, receiver);
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const externalLabels = { ...validate.object('externalLabels', options.externalLabels) };
  const externalURL = options.externalURL ?? '';
  const resendDelay = validate.duration('resendDelay', options.resendDelay, '1m');
  const lookbackDelta = validate.duration('lookbackDelta', options.lookbackDelta, '5m');
  const store = createSeriesStore({ retention: options.retention, maxSamplesPerSeries: options.maxSamplesPerSeries });
  const retention = validate.duration('retention', options.retention, '1h');
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      const needed = longestLookback(rule.expression.root, lookbackDelta) + group.queryOffset;
      if (needed > retention) {
        // A range longer than the retention would silently see only part of its data.
        throw new TelltaleConfigError({
          option: 'retention',
          value: options.retention ?? '1h',
          expected: `at least ${formatDuration(needed)}, the look-back of rule "${rule.name}" in group "${group.name}"`,
        });
      }
    }
  }
  const runner = createRuleRunner({ rules, store, externalLabels, externalURL, lookbackDelta });
  const timers = new Map<RuleGroup, TimerHandle>();
  let closed = false;
  let lastCollected = Number.NaN;
  let lastTruncated = Number.NaN;
  let running: Promise<unknown> = Promise.resolve();

  const collect = async (time: number): Promise<void> => {
    if (time === lastCollected) return;
    lastCollected = time;
    try {
      store.ingest('source', await options.source.collect(time), time);
    } catch (error) {
      // A failed collection is a failed scrape: every series goes stale.
      logger.warn({ err: error }, 'alert engine: series source failed');
      store.ingest('source', [], time);
    }
  };

  const deliver = async (groups: readonly RuleGroup[], time: number): Promise<EvaluationResult> => {
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
        const due = [...state.active.values()].filter((alert) => needsSending(alert, time, resendDelay));
        if (due.length === 0) continue;
        const generatorURL = `${externalURL}/graph?g0.expr=${encodeURIComponent(state.rule.expression.source)}&g0.tab=1`;
        const alerts = due.map((alert) => {
          alert.lastSentAt = time;
          return toWebhookAlert(alert, generatorURL);
        });
        for (const [name, receiver] of Object.entries(receivers)) {
          const payload = toAlertGroup(state.rule.name, alerts, name, externalURL);
          sent.push(payload);
          try {
            await receiver(payload);
          } catch (error) {
            logger.error({ err: error, receiver: name }, 'alert engine: receiver failed');
          }
        }
      }
    }
    return { time, sent, errors };
  };

  const evaluateGroups = (groups: readonly RuleGroup[]): Promise<EvaluationResult> => {
    const next = running.then(async () => {
      const time = clock.now();
      await collect(time);
      for (const group of groups) runner.evaluateGroup(group, time);
      // Dropping expired samples walks every series; once a minute is plenty.
      if (!(time - lastTruncated < 60_000)) {
        store.truncate(time);
        lastTruncated = time;
      }
      return deliver(groups, time);
    });
    running = next.catch(() => undefined);
    return next;
  };

  const schedule = (group: RuleGroup): void => {
    if (closed) return;
    const every = group.interval ?? interval;
    timers.set(
      group,
      clock.setTimeout(() => {
        evaluateGroups([group]).catch((error: unknown) =>
          logger.error({ err: error }, 'alert engine: evaluation failed'),
        );
        schedule(group);
      }, every),
    );
  };

  if (options.autoStart !== false) for (const group of rules.groups) schedule(group);

  const close = async (): Promise<void> => {
    closed = true;
    for (const handle of timers.values()) clock.clearTimeout(handle);
    timers.clear();
    await running;
  };

  return {
    evaluate: () => evaluateGroups(rules.groups),
    alerts() {
      const result: AlertSnapshot[] = [];
      for (const [group, states] of runner.states) {
        for (const state of states) {
          for (const alert of state.active.values()) {
            result.push({
              rule: state.rule.name,
              group,
              state: alert.state,
              labels: alert.labels,
              annotations: alert.annotations,
              value: alert.value,
              activeAt: alert.activeAt,
              firedAt: alert.firedAt,
              resolvedAt: alert.resolvedAt,
            });
          }
        }
      }
      return result;
    },
    store,
    rules,
    close,
    [Symbol.asyncDispose]: close,
  };
}
