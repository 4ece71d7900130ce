import { labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
import type { AlertingRule } from '../rules/load-rules.js';
import type { Sample } from '../promql/values.js';
import type { TemplateData } from '../templates/template.js';

/** Where an alert is in its life cycle. */
export type AlertState = 'pending' | 'firing' | 'inactive';

/** One alert instance of a rule (identity = its label set). */
export interface ActiveAlert {
  readonly key: string;
  readonly labels: Labels;
  annotations: Record<string, string>;
  state: AlertState;
  value: number;
  activeAt: number;
  firedAt: number | undefined;
  resolvedAt: number | undefined;
  lastSentAt: number | undefined;
  keepFiringSince: number | undefined;
  /** Cached label sets of this alert's `ALERTS` / `ALERTS_FOR_STATE` series (stable per alert). */
  seriesLabels?: { pending?: Labels; firing?: Labels; forState?: Labels };
}

/** Per-rule state: the alerts Prometheus would keep in `AlertingRule.active`. */
export interface AlertingRuleState {
  readonly rule: AlertingRule;
  readonly groupLabels: Labels;
  readonly active: Map<string, ActiveAlert>;
  lastError: Error | undefined;
  health: 'unknown' | 'ok' | 'error';
  /**
   * Until this time, restored alerts missing from the results stay as they are:
   * after a restart the store has no history yet, so an empty `rate()` is not
   * evidence that the problem is over.
   */
  warmUntil?: number;
}

/** How long a resolved alert is kept (and re-sent), as in Prometheus. */
export const RESOLVED_RETENTION = 15 * 60_000;

/** The outcome of running a rule's query: samples, or the error it raised. */
export type QueryOutcome = { readonly samples: readonly Sample[] } | { readonly error: Error };

interface Context {
  readonly time: number;
  /** The group's `limit` (0 = none). */
  readonly limit?: number;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  /** The `query` template function, at this evaluation's time. */
  readonly query?: TemplateData['query'];
}

function expand(templates: Readonly<Record<string, (data: TemplateData) => string>>, data: TemplateData) {
  const result: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) result[name] = template(data);
  return result;
}

/** Builds the alert label set of one result sample. */
export function alertLabels(state: AlertingRuleState, sample: Sample, context: Context): Record<string, string> {
  const { [METRIC_NAME]: _name, ...seriesLabels } = sample.labels;
  const data: TemplateData = {
    // As in Prometheus, templates see the series' labels including __name__.
    labels: sample.labels,
    value: sample.value,
    externalLabels: context.externalLabels,
    externalURL: context.externalURL,
    query: context.query,
    time: context.time,
  };
  const labels: Record<string, string> = {
    ...seriesLabels,
    ...state.groupLabels,
    ...expand(state.rule.labels.templates, data),
  };
  labels.alertname = state.rule.name;
  for (const [name, value] of Object.entries(labels)) if (value === '') delete labels[name];
  return labels;
}

interface Substitute {
  readonly samples: Sample[];
  /** Grafana-style `DatasourceNoData` / `DatasourceError` alert name replacing the rule's. */
  readonly alertName?: string;
}

function substituteForNoDataOrError(state: AlertingRuleState, handling: string): Substitute | 'keep' {
  switch (handling) {
    case 'keepLast':
      return 'keep';
    case 'alerting':
      return { samples: [{ labels: {}, value: Number.NaN }] };
    case 'noData':
      return { samples: [{ labels: { rulename: state.rule.name }, value: Number.NaN }], alertName: 'DatasourceNoData' };
    case 'error':
      return { samples: [{ labels: { rulename: state.rule.name }, value: Number.NaN }], alertName: 'DatasourceError' };
    default:
      return { samples: [] };
  }
}

/**
 * Runs one evaluation of Prometheus' alerting state machine
 * (`rules/alerting.go`): new results become pending, pending alerts fire
 * after `for`, missing ones resolve (or keep firing for `keep_firing_for`),
 * resolved alerts are kept for 15 minutes so they are re-sent.
 */
export function advanceAlertingRule(
  state: AlertingRuleState,
  outcome: QueryOutcome,
  context: Context,
  resolveSamples?: () => readonly Sample[],
): void {
  const { rule, active } = state;
  const { time } = context;
  let samples: readonly Sample[];
  let alertName: string | undefined;
  if ('error' in outcome) {
    state.lastError = outcome.error;
    state.health = 'error';
    const substitute = substituteForNoDataOrError(state, rule.error);
    if (substitute === 'keep') return;
    ({ samples, alertName } = substitute);
  } else {
    state.lastError = undefined;
    state.health = 'ok';
    samples = outcome.samples;
    if (samples.length === 0 && rule.noData !== 'ok') {
      const substitute = substituteForNoDataOrError(state, rule.noData);
      if (substitute === 'keep') return;
      ({ samples, alertName } = substitute);
    }
  }

  const current = new Map<string, { labels: Record<string, string>; sample: Sample }>();
  for (const sample of samples) {
    const labels = alertLabels(state, sample, context);
    if (alertName) labels.alertname = alertName;
    const key = labelsKey(labels);
    if (current.has(key)) {
      state.lastError = new Error('vector contains metrics with the same labelset after applying alert labels');
      state.health = 'error';
      return;
    }
    current.set(key, { labels, sample });
  }

  // Hysteresis: a firing alert stays while the looser resolve condition holds.
  if (resolveSamples && [...active.values()].some((alert) => alert.state === 'firing')) {
    for (const sample of resolveSamples()) {
      const labels = alertLabels(state, sample, context);
      const key = labelsKey(labels);
      if (!current.has(key) && active.get(key)?.state === 'firing') current.set(key, { labels, sample });
    }
  }

  for (const [key, { labels, sample }] of current) {
    const annotations = expand(state.rule.annotations.templates, {
      labels: sample.labels,
      value: sample.value,
      externalLabels: context.externalLabels,
      externalURL: context.externalURL,
      query: context.query,
      time: context.time,
    });
    const existing = active.get(key);
    if (existing && existing.state !== 'inactive') {
      existing.value = sample.value;
      existing.annotations = annotations;
      continue;
    }
    active.set(key, {
      key,
      labels,
      annotations,
      state: 'pending',
      value: sample.value,
      activeAt: time,
      firedAt: undefined,
      resolvedAt: undefined,
      lastSentAt: undefined,
      keepFiringSince: undefined,
    });
  }

  let activeCount = 0;
  const warming = state.warmUntil !== undefined && time < state.warmUntil;
  for (const [key, alert] of active) {
    if (!current.has(key)) {
      if (warming && alert.state !== 'inactive') {
        activeCount++;
        continue;
      }
      let keepFiring = false;
      if (alert.state === 'firing' && rule.keepFiringFor > 0) {
        alert.keepFiringSince ??= time;
        if (time - alert.keepFiringSince < rule.keepFiringFor) keepFiring = true;
      }
      if (
        alert.state === 'pending' ||
        (alert.resolvedAt !== undefined && time - alert.resolvedAt > RESOLVED_RETENTION)
      ) {
        active.delete(key);
      }
      if (alert.state !== 'inactive' && !keepFiring) {
        alert.state = 'inactive';
        alert.resolvedAt = time;
      }
      if (!keepFiring) continue;
    } else {
      alert.keepFiringSince = undefined;
    }
    activeCount++;
    if (alert.state === 'pending' && time - alert.activeAt >= rule.for) {
      alert.state = 'firing';
      alert.firedAt = time;
    }
  }
  // As Prometheus: over the group's limit the rule fails and drops all its alerts.
  if (context.limit && activeCount > context.limit) {
    active.clear();
    state.lastError = new Error(`exceeded limit of ${context.limit} with ${activeCount} alerts`);
    state.health = 'error';
  }
}

/** Prometheus' `needsSending`: firing alerts every `resendDelay`, resolved ones once per resolution and while retained. */
export function needsSending(alert: ActiveAlert, time: number, resendDelay: number): boolean {
  if (alert.state === 'pending') return false;
  if (alert.resolvedAt !== undefined && (alert.lastSentAt === undefined || alert.resolvedAt > alert.lastSentAt))
    return true;
  return (alert.lastSentAt ?? -Infinity) + resendDelay < time;
}
