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
import {
  buildReceivers,
  createAlertRouter,
  type AlertGroupState,
  type AlertRouter,
  type AlertRouterOptions,
  type NotificationEvent,
  type ReceiverInput,
  type RouterAlertInput,
} from '../routing/create-alert-router.js';
import type { RouteInput } from '../routing/route-tree.js';
import { buildInhibitRules, isInhibited, type InhibitRuleInput } from '../routing/inhibitor.js';
import { createSilences, type Silence, type SilenceOptions } from '../routing/silences.js';
import { parseTimeIntervals } from '../routing/time-intervals.js';
import type { MatcherInput } from '../routing/matchers.js';
import { fingerprint } from './fingerprint.js';
import {
  buildRegressionRules,
  createRegressionTracker,
  type RegressionRuleInput,
  type RegressionSeriesState,
} from '../regressions/regression-tracker.js';
import { createEngineTelemetry, type MeterProviderLike } from './telemetry.js';
import {
  captureRules,
  holdRestoredAlerts,
  readStateFile,
  restoreRules,
  STATE_FILE_VERSION,
  writeStateFile,
} from './state-file.js';
import { longestLookback } from '../promql/longest-lookback.js';
import { externalUrlOption } from '../templates/external-url.js';

export type { AlertReceiver } from '../routing/create-alert-router.js';

/** Options of {@link createAlertEngine}. */
export interface AlertEngineOptions {
  /** Where samples come from on each evaluation, e.g. `otelSeriesSource(reader)`. */
  source: SeriesSource;
  /** A Prometheus rule file (YAML text or object), or the result of `loadRules`. */
  rules: RuleFileInput | LoadedRules;
  /** How often groups without their own `interval` are evaluated. Default `'1m'`. */
  evaluationInterval?: DurationInput;
  /**
   * Named receivers: functions or `{ notify, sendResolved, maxAlerts }`. Without `route`, every
   * rule's alerts go to each of them as soon as they are due (one group per rule). Default none.
   */
  receivers?: Record<string, ReceiverInput>;
  /** Alertmanager route tree; when set, alerts are grouped and notified as Alertmanager does. */
  route?: RouteInput;
  /** Alertmanager `inhibit_rules` (source_matchers, target_matchers, equal). */
  inhibitRules?: readonly InhibitRuleInput[];
  /**
   * Named time intervals for the routes' `mute_time_intervals` / `active_time_intervals` (needs `route`):
   * `{ name: [specs] }` or Alertmanager's `[{ name, time_intervals }]`.
   */
  timeIntervals?: AlertRouterOptions['timeIntervals'];
  /** Alertmanager's legacy `mute_time_intervals` section, merged with `timeIntervals`. */
  muteTimeIntervals?: AlertRouterOptions['muteTimeIntervals'];
  /** Per-severity minimum time between notifications of a firing group (needs `route`), e.g. `{ critical: '5m' }`. */
  cooldowns?: AlertRouterOptions['cooldowns'];
  /** Receiver retry backoff (needs `route`). Default `{ initialDelay: '1s', maxDelay: '1m' }`. */
  retry?: AlertRouterOptions['retry'];
  /** Injectable clock (tests use `createManualClock`). */
  clock?: Clock;
  /** pino-compatible logger; silent by default. */
  logger?: Partial<Logger>;
  /** Labels available to templates as `$externalLabels`. */
  externalLabels?: Record<string, string>;
  /**
   * Base URL (absolute http(s)) for `generatorURL`, `$externalURL` and the `externalURL` /
   * `pathPrefix` template functions. Default `''`.
   */
  externalURL?: string;
  /** Minimum time between re-sends of a still-firing (or resolved) alert. Default `'1m'`. */
  resendDelay?: DurationInput;
  /** Instant-selector lookback (staleness window). Default `'5m'`. */
  lookbackDelta?: DurationInput;
  /** How long samples are kept. Default `'1h'`. */
  retention?: DurationInput;
  /** Sample cap per series. Default 1024. */
  maxSamplesPerSeries?: number;
  /**
   * File keeping alert states, silences and the notification log across restarts (JSON, written
   * atomically after each evaluation and delivery, and on `close()`). Default none (in memory).
   */
  stateFile?: string;
  /** Regression rules (need `route`): baseline, % slower, trend in `state().regressions`. */
  regressions?: readonly RegressionRuleInput[];
  /** Where metrics go; default the global `@opentelemetry/api` provider if installed; `false` for none. */
  meterProvider?: MeterProviderLike | false;
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

/** One rule as `state()` reports it. */
export interface RuleStateSnapshot {
  readonly group: string;
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  /** `unknown` until its group was evaluated. */
  readonly health: 'unknown' | 'ok' | 'error';
  /** Time of its group's last evaluation. */
  readonly lastEvaluation: number | undefined;
  /** Duration of its group's last evaluation, in seconds. */
  readonly evaluationDurationSeconds: number | undefined;
  readonly lastError: string | undefined;
  /** Pending, firing and retained resolved alerts (alerting rules). */
  readonly alerts: number;
}

/** Everything the engine knows, as `state()` returns it. */
export interface EngineState {
  readonly lastEvaluation: number | undefined;
  readonly rules: readonly RuleStateSnapshot[];
  readonly alerts: readonly AlertSnapshot[];
  readonly groups: readonly AlertGroupState[];
  readonly silences: readonly Silence[];
  /** Series tracked by regression rules: baseline, current window, change, trend. */
  readonly regressions: readonly RegressionSeriesState[];
}

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
  onNotification(listener: (event: NotificationEvent) => void): { dispose(): void };
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
  const receivers = buildReceivers(options.receivers);
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const externalLabels = { ...validate.object('externalLabels', options.externalLabels) };
  const externalURL = externalUrlOption(options.externalURL);
  const router: AlertRouter | undefined =
    options.route === undefined
      ? undefined
      : createAlertRouter({
          route: options.route,
          receivers: Object.fromEntries(receivers),
          inhibitRules: options.inhibitRules,
          timeIntervals: options.timeIntervals,
          muteTimeIntervals: options.muteTimeIntervals,
          cooldowns: options.cooldowns,
          retry: options.retry,
          externalURL,
          clock,
          logger: options.logger,
        });
  // Without a route nothing refers to time intervals, but a broken definition is still an error.
  if (!router) parseTimeIntervals(options.timeIntervals, { legacy: options.muteTimeIntervals });
  // Without a route, silences and inhibition still mute alerts of the per-rule groups.
  const legacySilences = createSilences(() => clock.now());
  const legacyInhibitRules = router ? [] : buildInhibitRules(options.inhibitRules);
  const legacyMuted = (labels: Labels, firing: () => { labels: Labels; fingerprint: string }[]): boolean =>
    legacySilences.matching(labels).length > 0 ||
    (legacyInhibitRules.length > 0 && isInhibited(legacyInhibitRules, labels, firing(), fingerprint(labels)));
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
  const regressionRules = buildRegressionRules(options.regressions);
  if (regressionRules.length > 0 && !router)
    throw new TelltaleConfigError({
      option: 'regressions',
      value: options.regressions,
      expected: 'a route (regression alerts are delivered through the router)',
    });
  const regressions = createRegressionTracker(regressionRules, (expression, time) => runner.query(expression, time));
  const stateFile =
    options.stateFile === undefined ? undefined : validate.nonEmptyString('stateFile', options.stateFile);
  if (stateFile) {
    const saved = readStateFile(stateFile, logger);
    if (saved) {
      const restored = restoreRules(runner.states, saved.rules);
      holdRestoredAlerts(rules, runner, clock.now(), interval);
      if (saved.router) router?.restore(saved.router);
      legacySilences.restore(saved.silences ?? []);
      const baselines = Array.isArray(saved.regressions) ? regressions.restore(saved.regressions) : 0;
      logger.info({ path: stateFile, alerts: restored, regressionSeries: baselines }, 'alert engine: state restored');
    }
  }
  let saveChain: Promise<void> = Promise.resolve();
  let queuedSave: Promise<void> | undefined;
  const saveState = (): Promise<void> => {
    if (!stateFile) return Promise.resolve();
    // At most one save waits behind the running one; it captures the state when it starts.
    queuedSave ??= saveChain.then(async () => {
      queuedSave = undefined;
      await writeStateFile(stateFile, {
        version: STATE_FILE_VERSION,
        savedAt: clock.now(),
        rules: captureRules(runner.states),
        ...(router ? { router: router.snapshot() } : {}),
        silences: legacySilences.records(),
        ...(regressionRules.length > 0 ? { regressions: regressions.snapshot() } : {}),
      });
    });
    const current = queuedSave;
    saveChain = current.catch((error: unknown) =>
      logger.error({ err: error, path: stateFile }, 'alert engine: cannot write the state file'),
    );
    return current;
  };
  const saveInBackground = (): void => void saveState().catch(() => undefined);
  router?.onNotification((event) => {
    if (event.outcome === 'success') saveInBackground();
  });
  const telemetry = createEngineTelemetry(options.meterProvider, () => {
    const counts = new Map<string, { alertname: string; alertstate: string; count: number }>();
    for (const states of runner.states.values())
      for (const state of states)
        for (const alert of state.active.values()) {
          if (alert.state === 'inactive') continue;
          const key = `${alert.labels.alertname}\u0000${alert.state}`;
          const entry = counts.get(key) ?? {
            alertname: alert.labels.alertname ?? '',
            alertstate: alert.state,
            count: 0,
          };
          entry.count++;
          counts.set(key, entry);
        }
    return counts.values();
  });
  router?.onNotification((event) => telemetry.notification(event.receiver, event.outcome));
  // Per rule, the alerts last handed to the router as firing.
  const routedFiring = new WeakMap<object, Map<string, RouterAlertInput>>();
  let lastRegressionTime = Number.NaN;
  const groupEvaluations = new Map<string, { time: number; seconds: number }>();
  let lastEvaluation: number | undefined;
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

  const firingAlerts = (): { labels: Labels; fingerprint: string }[] => {
    const result: { labels: Labels; fingerprint: string }[] = [];
    for (const states of runner.states.values())
      for (const state of states)
        for (const alert of state.active.values())
          if (alert.state === 'firing') result.push({ labels: alert.labels, fingerprint: fingerprint(alert.labels) });
    return result;
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
        const generatorURL = `${externalURL}/graph?g0.expr=${encodeURIComponent(state.rule.expression.source)}&g0.tab=1`;
        if (router) {
          const firing = new Map<string, RouterAlertInput>();
          const changes = [...state.active.values()]
            .filter((alert) => alert.state !== 'pending' && alert.firedAt !== undefined)
            .map((alert) => {
              const input: RouterAlertInput = {
                labels: alert.labels,
                annotations: alert.annotations,
                startsAt: alert.firedAt!,
                endsAt: alert.state === 'inactive' ? alert.resolvedAt : undefined,
                generatorURL,
              };
              if (alert.state === 'firing') firing.set(alert.key, input);
              return input;
            });
          // Alerts dropped without resolving (the group's `limit` exceeded) would otherwise stay
          // firing in the router forever; Alertmanager resolves them when their endsAt passes.
          for (const [key, input] of routedFiring.get(state) ?? [])
            if (!state.active.has(key)) changes.push({ ...input, endsAt: time });
          routedFiring.set(state, firing);
          router.put(changes);
          continue;
        }
        const due = [...state.active.values()].filter(
          (alert) => needsSending(alert, time, resendDelay) && !legacyMuted(alert.labels, firingAlerts),
        );
        if (due.length === 0) continue;
        const alerts = due.map((alert) => {
          alert.lastSentAt = time;
          return toWebhookAlert(alert, generatorURL);
        });
        for (const [name, receiver] of receivers) {
          const payload = toAlertGroup(state.rule.name, alerts, name, externalURL);
          sent.push(payload);
          try {
            await receiver.notify(
              receiver.sendResolved
                ? payload
                : { ...payload, alerts: payload.alerts.filter((alert) => alert.status === 'firing') },
            );
            telemetry.notification(name, 'success');
          } catch (error) {
            telemetry.notification(name, 'failure');
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
      if (router && regressionRules.length > 0 && time !== lastRegressionTime) {
        lastRegressionTime = time;
        router.put(regressions.evaluate(time));
      }
      // Dropping expired samples walks every series; once a minute is plenty.
      if (!(time - lastTruncated < 60_000)) {
        store.truncate(time);
        lastTruncated = time;
      }
      const result = await deliver(groups, time);
      saveInBackground();
      return result;
    });
    running = next.catch(() => undefined);
    return next;
  };

  const schedule = (group: RuleGroup): void => {
    if (closed) return;
    const every = group.interval ?? interval;
    timers.set(
      group,
      clock.setTimeout(
        () => {
          evaluateGroups([group]).catch((error: unknown) =>
            logger.error({ err: error }, 'alert engine: evaluation failed'),
          );
          schedule(group);
        },
        every,
        { background: true },
      ),
    );
  };

  if (options.autoStart !== false) for (const group of rules.groups) schedule(group);

  const close = async (): Promise<void> => {
    closed = true;
    for (const handle of timers.values()) clock.clearTimeout(handle);
    timers.clear();
    await running;
    await router?.close();
    telemetry.close();
    await saveState().catch(() => undefined);
  };

  const engine: AlertEngine = {
    evaluate: () => evaluateGroups(rules.groups),
    state() {
      const ruleStates: RuleStateSnapshot[] = [];
      for (const group of rules.groups) {
        const evaluation = groupEvaluations.get(group.name);
        const alertStates = runner.states.get(group.name) ?? [];
        let alertIndex = 0;
        group.rules.forEach((rule, index) => {
          const common = {
            group: group.name,
            name: rule.name,
            lastEvaluation: evaluation?.time,
            evaluationDurationSeconds: evaluation?.seconds,
          };
          if (rule.kind === 'record') {
            const error = runner.recordingErrors.get(group.name)?.get(index);
            ruleStates.push({
              ...common,
              type: 'recording',
              health: !evaluation ? 'unknown' : error ? 'error' : 'ok',
              lastError: error?.message,
              alerts: 0,
            });
            return;
          }
          const state = alertStates[alertIndex++]!;
          ruleStates.push({
            ...common,
            type: 'alerting',
            health: state.health,
            lastError: state.lastError?.message,
            alerts: state.active.size,
          });
        });
      }
      return {
        lastEvaluation,
        rules: ruleStates,
        alerts: engine.alerts(),
        groups: router?.groups() ?? [],
        silences: router ? router.silences() : legacySilences.list(),
        regressions: regressions.states(),
      };
    },
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
    silence(matchers, silenceOptions) {
      const id = router ? router.silence(matchers, silenceOptions) : legacySilences.add(matchers, silenceOptions);
      saveInBackground();
      return id;
    },
    expireSilence(id) {
      const expired = router ? router.expireSilence(id) : legacySilences.expire(id);
      if (expired) saveInBackground();
      return expired;
    },
    saveState,
    silences: () => (router ? router.silences() : legacySilences.list()),
    groups: () => router?.groups() ?? [],
    onNotification(listener) {
      if (!router) return { dispose: () => undefined };
      return router.onNotification(listener);
    },
    store,
    rules,
    close,
    [Symbol.asyncDispose]: close,
  };
  return engine;
}
