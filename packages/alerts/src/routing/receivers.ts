import { options as validate, TelltaleConfigError, type AlertGroup } from '@telltale/core';

/** A receiver: an async function called with one Alertmanager v4 alert group. */
export type AlertReceiver = (group: AlertGroup) => void | Promise<void>;

/** A receiver with Alertmanager's per-receiver webhook settings. */
export interface ReceiverConfig {
  notify: AlertReceiver;
  /** Also send resolved alerts (webhook default). Default `true`. */
  sendResolved?: boolean;
  /** Cap on alerts per payload (`max_alerts`); the rest is counted in `truncatedAlerts`. 0 = no cap. */
  maxAlerts?: number;
}

/** A receiver given as a function or with settings. */
export type ReceiverInput = AlertReceiver | ReceiverConfig;

/** A validated receiver. */
export type Receiver = Required<ReceiverConfig>;

function receiverConfig(name: string, input: ReceiverInput): Receiver {
  if (typeof input === 'function') return { notify: input, sendResolved: true, maxAlerts: 0 };
  validate.object(`receivers.${name}`, input);
  if (typeof input.notify !== 'function')
    throw new TelltaleConfigError({ option: `receivers.${name}.notify`, value: input.notify, expected: 'a function' });
  return {
    notify: input.notify,
    sendResolved: input.sendResolved ?? true,
    maxAlerts: validate.nonNegativeInteger(`receivers.${name}.maxAlerts`, input.maxAlerts, 0),
  };
}

/** Validates a receivers map (functions or `{ notify, sendResolved, maxAlerts }`). */
export function buildReceivers(input: unknown): Map<string, Receiver> {
  const receivers = validate.object('receivers', input as object | undefined) as Record<string, ReceiverInput>;
  return new Map(Object.entries(receivers).map(([name, value]) => [name, receiverConfig(name, value)]));
}
