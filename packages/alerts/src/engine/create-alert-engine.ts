import { TelltaleConfigError, type Disposable } from '@telltale/core';
import type { LoadedRules } from '../rules/load-rules.js';
import { createSeriesStore, type SeriesStore } from '../store/series-store.js';
import { buildRegressionRules, createRegressionTracker } from '../regressions/regression-tracker.js';
import { createEngineRouter } from '../routing/create-alert-router.js';
import type { MatcherInput } from '../routing/matchers.js';
import type { AlertGroupState, NotificationEvent } from '../routing/router-types.js';
import type { Silence, SilenceOptions } from '../routing/silences.js';
import { resolveEngineOptions, type AlertEngineOptions } from './engine-options.js';
import { createEvaluation, type EvaluationResult } from './evaluation.js';
import { alertCounts, alertSnapshots, ruleSnapshots, type AlertSnapshot, type EngineState } from './introspection.js';
import { createPersistence } from './persistence.js';
import { createRuleRunner } from './rule-runner.js';
import { createScheduler } from './scheduler.js';
import { createAlertSender } from './send-alerts.js';
import { createEngineTelemetry } from './telemetry.js';

export type { AlertEngineOptions } from './engine-options.js';
export type { EvaluationResult } from './evaluation.js';
export type { AlertSnapshot, EngineState, RuleStateSnapshot } from './introspection.js';
export type { AlertReceiver } from '../routing/receivers.js';

/** The running engine. See {@link createAlertEngine}. */
export interface AlertEngine {
  /** Collects from the source, evaluates every group now and notifies receivers. */
  evaluate(): Promise<EvaluationResult>;
  /** Current pending, firing and recently resolved alerts. */
  alerts(): AlertSnapshot[];
  /** Rules with health, last evaluation and error; alerts; router groups; silences. */
  state(): EngineState;
  /** Mutes matching alerts until `until`; returns the silence id. */
  silence(matchers: string | readonly MatcherInput[], options: SilenceOptions): string;
  /** Ends a silence now; `false` if unknown or already expired. */
  expireSilence(id: string): boolean;
  /** All silences (pending, active, and expired within the last 24 h). */
  silences(): Silence[];
  /** The alert groups of the router (empty without `route`). */
  groups(): AlertGroupState[];
  /** Writes the state file now (no-op without `stateFile`); saves are coalesced and never overlap. */
  saveState(): Promise<void>;
  /** Called after every delivery attempt of the router (needs `route`). */
  onNotification(listener: (event: NotificationEvent) => void): Disposable;
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
  const settings = resolveEngineOptions(options);
  const { rules, clock, logger, externalURL } = settings;
  // Without `route`, the router's default route sends each rule's due alerts to every receiver.
  const { router, defaultRoute } = createEngineRouter({
    route: options.route,
    receivers: options.receivers ?? {},
    inhibitRules: options.inhibitRules,
    timeIntervals: options.timeIntervals,
    muteTimeIntervals: options.muteTimeIntervals,
    cooldowns: options.cooldowns,
    retry: options.retry,
    externalURL,
    clock,
    logger: options.logger,
  });
  const store = createSeriesStore({ retention: options.retention, maxSamplesPerSeries: options.maxSamplesPerSeries });
  const runner = createRuleRunner({ ...settings, store });
  const regressionRules = buildRegressionRules(options.regressions);
  if (regressionRules.length > 0 && defaultRoute)
    throw new TelltaleConfigError({
      option: 'regressions',
      value: options.regressions,
      expected: 'a route (regression alerts are delivered through the router)',
    });
  const regressions = createRegressionTracker(regressionRules, (expression, time) => runner.query(expression, time));
  const persistence = createPersistence({
    path: settings.stateFile,
    rules,
    runner,
    router,
    defaultRoute: defaultRoute !== undefined,
    regressions,
    saveRegressions: regressionRules.length > 0,
    interval: settings.interval,
    clock,
    logger,
  });
  const telemetry = createEngineTelemetry(options.meterProvider, () => alertCounts(runner));
  const sender = createAlertSender({ ...settings, runner, router, defaultRoute, telemetry });
  // The default route's inhibition sees restored firing alerts before their group's first evaluation.
  if (persistence.restore() && defaultRoute) sender.handOver(rules.groups, clock.now());
  router.onNotification((event) => {
    if (event.type === 'delivered') persistence.saveInBackground();
  });
  router.onNotification((event) =>
    telemetry.notification(event.receiver, event.type === 'delivered' ? 'success' : 'failure'),
  );
  const evaluation = createEvaluation({
    ...settings,
    store,
    runner,
    sender,
    telemetry,
    regressions: regressionRules.length > 0 ? (time) => router.put(regressions.evaluate(time)) : undefined,
  });
  const scheduler = createScheduler({
    groups: rules.groups,
    interval: settings.interval,
    clock,
    logger,
    evaluate: async (groups) => {
      const result = await evaluation.evaluate(groups);
      persistence.saveInBackground();
      return result;
    },
  });
  if (options.autoStart !== false) scheduler.start();

  const close = async (): Promise<void> => {
    await scheduler.close();
    await router.close();
    telemetry.close();
    await persistence.save().catch(() => undefined);
  };

  const engine: AlertEngine = {
    evaluate: () => scheduler.run(rules.groups),
    state: () => ({
      lastEvaluation: evaluation.lastEvaluation,
      rules: ruleSnapshots(rules, runner, evaluation.groupEvaluations),
      alerts: engine.alerts(),
      groups: router.groups(),
      silences: router.silences(),
      regressions: regressions.states(),
    }),
    alerts: () => alertSnapshots(runner),
    silence(matchers, silenceOptions) {
      const id = router.silence(matchers, silenceOptions);
      persistence.saveInBackground();
      return id;
    },
    expireSilence(id) {
      const expired = router.expireSilence(id);
      if (expired) persistence.saveInBackground();
      return expired;
    },
    saveState: () => persistence.save(),
    silences: () => router.silences(),
    groups: () => router.groups(),
    onNotification: (listener) => router.onNotification(listener),
    store,
    rules,
    close,
    [Symbol.asyncDispose]: close,
  };
  return engine;
}
