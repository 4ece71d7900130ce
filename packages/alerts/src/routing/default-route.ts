import type { AlertGroup, Clock } from '@telltale/core';
import type { Labels } from '../store/labels.js';
import type { MuteReason } from './mute-stage.js';
import { buildPayload, type RoutedAlert } from './payload.js';
import type { Receiver } from './receivers.js';
import type { RouterAlertInput } from './router-types.js';
import { fingerprint as fingerprintOf } from '../engine/fingerprint.js';
import type { AlertStore } from './alert-store.js';
import type { InhibitRule } from './inhibitor.js';

/** One receiver call of the default route. */
export interface DefaultRouteDelivery {
  readonly receiver: string;
  /** The group as built for every receiver (before a `sendResolved: false` receiver's filter). */
  readonly payload: AlertGroup;
  readonly outcome: 'success' | 'failure';
  readonly error?: unknown;
}

/**
 * The route an engine without `route` sends through: each rule's due alerts (the engine decides
 * what is due, as Prometheus' `resend-delay` does) go at once to every receiver as one group,
 * `{}:{alertname="<rule>"}`, with the router's silences and inhibition applied. No `group_wait`,
 * no dedup stage, no retries: the engine re-sends what is still due at its next evaluation.
 */
export interface DefaultRoute {
  /** Keeps the store's firing alerts (the inhibition sources): it holds no groups, so nothing else. */
  put(input: RouterAlertInput): void;
  /** The mute stage: the alerts neither silenced nor inhibited now. */
  unmuted<T extends { readonly labels: Labels }>(alerts: readonly T[]): T[];
  /** Sends one rule's alerts to every receiver in turn; resolves to each call's outcome. */
  send(rule: string, alerts: readonly RouterAlertInput[]): Promise<DefaultRouteDelivery[]>;
}

const toRouted = (input: RouterAlertInput, fingerprint: string): RoutedAlert => ({
  fingerprint,
  labels: { ...input.labels },
  annotations: { ...input.annotations },
  startsAt: input.startsAt,
  endsAt: input.endsAt,
  generatorURL: input.generatorURL ?? '',
  version: 0,
});

/** Creates the default route over the receivers, the router's store and its mute stage. */
export function createDefaultRoute(options: {
  readonly receivers: ReadonlyMap<string, Receiver>;
  readonly store: AlertStore;
  readonly inhibitRules: readonly InhibitRule[];
  readonly mutedBy: (labels: Labels) => MuteReason | undefined;
  readonly externalURL: string;
  readonly clock: Clock;
}): DefaultRoute {
  const { receivers, store, mutedBy, externalURL, clock } = options;
  return {
    put(input) {
      // Without inhibition rules nothing reads the store: skip the fingerprinting.
      if (options.inhibitRules.length === 0) return;
      const { fingerprint, annotations } = store.read(input);
      const existing = store.get(fingerprint);
      if (input.endsAt !== undefined && input.endsAt <= clock.now()) {
        if (existing) store.delete(fingerprint);
      } else if (existing) store.update(existing, input, annotations);
      else store.add({ ...toRouted(input, fingerprint), annotations });
    },
    unmuted: (alerts) => alerts.filter((alert) => mutedBy(alert.labels) === undefined),
    async send(rule, inputs) {
      const time = clock.now();
      const alerts = inputs.map((input) => toRouted(input, fingerprintOf(input.labels)));
      const deliveries: DefaultRouteDelivery[] = [];
      for (const [name, receiver] of receivers) {
        // In the rule's order, never truncated: `maxAlerts` is a setting of routed groups.
        const payload = buildPayload({
          groupKey: `{}:{alertname=${JSON.stringify(rule)}}`,
          receiver: name,
          groupLabels: { alertname: rule },
          alerts,
          externalURL,
          maxAlerts: 0,
          time,
        });
        try {
          // A `sendResolved: false` receiver gets the firing alerts only; the group's status and
          // common labels still describe every due alert, as this mode always sent them.
          await receiver.notify(
            receiver.sendResolved
              ? payload
              : { ...payload, alerts: payload.alerts.filter((alert) => alert.status === 'firing') },
          );
          deliveries.push({ receiver: name, payload, outcome: 'success' });
        } catch (error) {
          deliveries.push({ receiver: name, payload, outcome: 'failure', error });
        }
      }
      return deliveries;
    },
  };
}
