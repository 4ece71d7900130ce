import type { AlertGroup, Logger } from '@telltale/core';
import type { RuleGroup } from '../rules/load-rules.js';
import type { DefaultRoute } from '../routing/default-route.js';
import type { AlertRouter, RouterAlertInput } from '../routing/router-types.js';
import { needsSending, type ActiveAlert, type AlertingRuleState } from './alert-state.js';
import type { RuleRunner } from './rule-runner.js';
import type { EngineTelemetry } from './telemetry.js';

/** What the engine hands its alerts to. */
export interface AlertSenderOptions {
  readonly runner: Pick<RuleRunner, 'states'>;
  readonly router: AlertRouter;
  /** Set when the engine has no `route`: due alerts are sent by the evaluation itself. */
  readonly defaultRoute: DefaultRoute | undefined;
  readonly externalURL: string;
  readonly resendDelay: number;
  readonly telemetry: Pick<EngineTelemetry, 'notification'>;
  readonly logger: Logger;
}

/**
 * The engine's side of alert delivery, as Prometheus' `SendAlerts` (rules/manager.go) is: every
 * evaluation hands the alerts that fired to the router, which groups and notifies on its own
 * timers; with the default route, each rule's due alerts (`resend-delay`) are sent at once.
 */
export interface AlertSender {
  /** Puts the fired and resolved alerts of the groups' rules into the router. */
  handOver(groups: readonly RuleGroup[], time: number): void;
  /** Sends one rule's due alerts through the default route; the payloads built (none with a route tree). */
  sendDue(state: AlertingRuleState, time: number): Promise<AlertGroup[]>;
}

/** Prometheus' `generatorURL`: the rule's expression in the expression browser. */
const generatorUrl = (externalURL: string, state: AlertingRuleState): string =>
  `${externalURL}/graph?g0.expr=${encodeURIComponent(state.rule.expression.source)}&g0.tab=1`;

const routerInput = (alert: ActiveAlert, generatorURL: string): RouterAlertInput => ({
  labels: alert.labels,
  annotations: alert.annotations,
  startsAt: alert.firedAt ?? alert.activeAt,
  endsAt: alert.state === 'inactive' ? alert.resolvedAt : undefined,
  generatorURL,
});

/** Creates the sender over the engine's rule states and router. */
export function createAlertSender(options: AlertSenderOptions): AlertSender {
  const { runner, router, defaultRoute, externalURL, resendDelay, telemetry, logger } = options;
  // Per rule, the alerts last handed to the router as firing.
  const routedFiring = new WeakMap<object, Map<string, RouterAlertInput>>();
  return {
    handOver(groups, time) {
      for (const group of groups) {
        for (const state of runner.states.get(group.name) ?? []) {
          const generatorURL = generatorUrl(externalURL, state);
          const firing = new Map<string, RouterAlertInput>();
          const changes: RouterAlertInput[] = [];
          for (const alert of state.active.values()) {
            if (alert.state === 'pending' || alert.firedAt === undefined) continue;
            const input = routerInput(alert, generatorURL);
            if (alert.state === 'firing') firing.set(alert.key, input);
            changes.push(input);
          }
          // Alerts dropped without resolving (the group's `limit` exceeded) would otherwise stay
          // firing in the router forever; Alertmanager resolves them when their endsAt passes.
          for (const [key, input] of routedFiring.get(state) ?? [])
            if (!state.active.has(key)) changes.push({ ...input, endsAt: time });
          routedFiring.set(state, firing);
          router.put(changes);
        }
      }
    },
    async sendDue(state, time) {
      if (!defaultRoute) return [];
      const due = [...state.active.values()].filter((alert) => needsSending(alert, time, resendDelay));
      // A muted alert is not marked as sent, so it goes out once its silence or inhibition ends.
      const visible = defaultRoute.unmuted(due);
      if (visible.length === 0) return [];
      for (const alert of visible) alert.lastSentAt = time;
      const generatorURL = generatorUrl(externalURL, state);
      const deliveries = await defaultRoute.send(
        state.rule.name,
        visible.map((alert) => routerInput(alert, generatorURL)),
      );
      for (const { receiver, outcome, error } of deliveries) {
        telemetry.notification(receiver, outcome);
        if (outcome === 'failure') logger.error({ err: error, receiver }, 'alert engine: receiver failed');
      }
      return deliveries.map((delivery) => delivery.payload);
    },
  };
}
