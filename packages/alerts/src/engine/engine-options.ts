import {
  formatDuration,
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import { loadRules, type LoadedRules, type RuleFileInput } from '../rules/load-rules.js';
import type { SeriesSource } from '../store/series-store.js';
import type { ReceiverInput } from '../routing/receivers.js';
import type { RouteInput } from '../routing/route-tree.js';
import type { InhibitRuleInput } from '../routing/inhibitor.js';
import type { AlertRouterOptions } from '../routing/router-options.js';
import type { RegressionRuleInput } from '../regressions/regression-tracker.js';
import { longestLookback } from '../promql/longest-lookback.js';
import { externalUrlOption } from '../templates/external-url.js';
import type { MeterProviderLike } from './telemetry.js';

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
  /** Receiver retry backoff (needs `route`). Default `{ initial: '1s', max: '1m' }`. */
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

/** The engine's own options, validated (the router and the store validate theirs). */
export interface EngineSettings {
  readonly source: SeriesSource;
  readonly rules: LoadedRules;
  readonly interval: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly externalLabels: Record<string, string>;
  readonly externalURL: string;
  readonly resendDelay: number;
  readonly lookbackDelta: number;
  readonly stateFile: string | undefined;
}

/** Validates the engine's options; a rule looking back further than the retention is an error. */
export function resolveEngineOptions(options: AlertEngineOptions): EngineSettings {
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
  const externalLabels = { ...validate.object('externalLabels', options.externalLabels) };
  const externalURL = externalUrlOption(options.externalURL);
  const resendDelay = validate.duration('resendDelay', options.resendDelay, '1m');
  const lookbackDelta = validate.duration('lookbackDelta', options.lookbackDelta, '5m');
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
  return {
    source: options.source,
    rules,
    interval,
    clock: options.clock ?? systemClock,
    logger: resolveLogger(options.logger),
    externalLabels,
    externalURL,
    resendDelay,
    lookbackDelta,
    stateFile: options.stateFile === undefined ? undefined : validate.nonEmptyString('stateFile', options.stateFile),
  };
}
