import { createEmitter, resolveLogger, systemClock, TelltaleConfigError } from '@telltale/core';
import { createAlertStore } from './alert-store.js';
import { createDispatcher } from './aggregation-groups.js';
import { createDefaultRoute, type DefaultRoute } from './default-route.js';
import { flushGroup } from './flush-stages.js';
import { buildInhibitRules } from './inhibitor.js';
import { isList } from './matchers.js';
import { createMuteStage } from './mute-stage.js';
import type { NotificationLogEntry } from './notify-decision.js';
import { buildReceivers } from './receivers.js';
import type { RouteInput } from './route-tree.js';
import {
  resolveRouterOptions,
  type AlertRouterOptions,
  type RouterBasics,
  type RouterSettings,
} from './router-options.js';
import type { AlertRouter, NotificationEvent, RouterAlertInput } from './router-types.js';
import { createSilences } from './silences.js';
import { parseTimeIntervals } from './time-intervals.js';

/** The router an engine builds, and its default route when the engine has no `route`. */
export interface EngineRouter {
  readonly router: AlertRouter;
  readonly defaultRoute: DefaultRoute | undefined;
}

/** Options of {@link createEngineRouter}: the router's, with `route` optional. */
export type EngineRouterOptions = Omit<AlertRouterOptions, 'route'> & { readonly route?: RouteInput };

function assemble(basics: RouterBasics, settings: RouterSettings | undefined): EngineRouter {
  const { clock, logger, inhibitRules } = basics;
  const silences = createSilences(() => clock.now());
  const store = createAlertStore();
  const mutedBy = createMuteStage({ silences, inhibitRules, store, now: () => clock.now() });
  const notificationLog = new Map<string, NotificationLogEntry>();
  const notifications = createEmitter<NotificationEvent>((error) =>
    logger.warn({ err: error }, 'alert router: notification listener failed'),
  );
  const abort = new AbortController();
  let closed = false;
  const flushContext = settings && {
    ...settings,
    mutedBy,
    notificationLog,
    notifications,
    signal: abort.signal,
    closed: () => closed,
  };
  const dispatcher =
    flushContext && createDispatcher({ ...flushContext, store, flush: (group) => flushGroup(flushContext, group) });
  const defaultRoute = dispatcher ? undefined : createDefaultRoute({ ...basics, store, mutedBy });
  const put = (input: RouterAlertInput, restoring = false): void =>
    dispatcher ? dispatcher.put(input, restoring) : defaultRoute!.put(input);

  const close = async (): Promise<void> => {
    closed = true;
    abort.abort();
    await dispatcher?.close();
  };
  const router: AlertRouter = {
    put(input) {
      if (!isList(input)) throw new TelltaleConfigError({ option: 'alerts', value: input, expected: 'an array' });
      for (const alert of input) put(alert);
    },
    silence: (matchers, silenceOptions) => silences.add(matchers, silenceOptions),
    expireSilence: (id) => silences.expire(id),
    silences: () => silences.list(),
    groups: () => dispatcher?.groups() ?? [],
    mutedBy: (labels) => mutedBy(labels),
    onNotification: (listener) => notifications.on(listener),
    snapshot: () => ({
      alerts: [...store.values()].map((alert) => ({
        labels: { ...alert.labels },
        annotations: { ...alert.annotations },
        startsAt: alert.startsAt,
        ...(alert.endsAt === undefined ? {} : { endsAt: alert.endsAt }),
        generatorURL: alert.generatorURL,
      })),
      silences: silences.records(),
      notificationLog: Object.fromEntries(notificationLog),
    }),
    restore(snapshot) {
      for (const alert of snapshot.alerts ?? []) put(alert, true);
      silences.restore(snapshot.silences ?? []);
      for (const [key, entry] of Object.entries(snapshot.notificationLog ?? {})) notificationLog.set(key, { ...entry });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return { router, defaultRoute };
}

/**
 * Creates an Alertmanager-compatible router: alerts are matched against the
 * route tree, grouped by `group_by`, and each group notifies its receiver
 * after `group_wait`, then at every `group_interval` tick when it changed, and
 * again after `repeat_interval` — Alertmanager's dispatcher and dedup stage,
 * driven by an injectable clock. Silences and inhibition rules mute alerts.
 *
 * @example
 * ```ts
 * import { createAlertRouter } from '@telltale/alerts';
 * const router = createAlertRouter({
 *   route: { receiver: 'ops', group_by: ['alertname'], routes: [{ receiver: 'pager', matchers: ['severity="critical"'] }] },
 *   receivers: { ops: async (group) => {}, pager: async (group) => {} },
 * });
 * router.put([{ labels: { alertname: 'High', severity: 'critical' }, startsAt: Date.now() }]);
 * ```
 */
export function createAlertRouter(options: AlertRouterOptions): AlertRouter {
  const settings = resolveRouterOptions(options);
  return assemble(settings, settings).router;
}

/**
 * The engine's router: with `route`, the router of {@link createAlertRouter}; without, the default
 * route to every receiver (time intervals are still validated, though nothing refers to them).
 */
export function createEngineRouter(options: EngineRouterOptions): EngineRouter {
  const receivers = buildReceivers(options.receivers);
  if (options.route !== undefined) {
    const settings = resolveRouterOptions({
      ...options,
      route: options.route,
      receivers: Object.fromEntries(receivers),
    });
    return assemble(settings, settings);
  }
  parseTimeIntervals(options.timeIntervals, { legacy: options.muteTimeIntervals });
  return assemble(
    {
      receivers,
      inhibitRules: buildInhibitRules(options.inhibitRules),
      externalURL: options.externalURL ?? '',
      clock: options.clock ?? systemClock,
      logger: resolveLogger(options.logger),
    },
    undefined,
  );
}
