import { join } from 'node:path';
import type { AlertGroup } from '@telltale/core';
import {
  alertmanagerWebhookHandler,
  alertReceiver,
  createNotifier,
  fileStore,
  smtpChannel,
  webhookChannel,
} from '@telltale/notify';
import type { AppConfig } from './config.js';

/**
 * The notifier: an `email` channel over SMTP and, when configured, a signed `ops` webhook, with
 * the durable outbox, so accepted emails survive a restart or crash and are sent by the next run.
 */
export function createAppNotifier(config: AppConfig) {
  return createNotifier({
    store: fileStore({ directory: join(config.dataDirectory, 'notify'), logger: config.logger }),
    channels: {
      email: smtpChannel({
        host: config.smtp.host,
        port: config.smtp.port,
        secure: false,
        from: { address: 'noreply@coachly.test', name: 'Coachly' },
      }),
      ...(config.opsWebhook
        ? { ops: webhookChannel({ url: config.opsWebhook.url, secret: config.opsWebhook.secret }) }
        : {}),
    },
  });
}

export type AppNotifier = ReturnType<typeof createAppNotifier>;

/**
 * Both alert paths email on-call the same way: the in-process engine's receiver, and the
 * Alertmanager webhook handler mounted at POST /alerts/webhook (schema-checked, bearer token,
 * 503 only when the queue cannot accept).
 */
export function oncallAlerts(
  notifier: AppNotifier,
  config: Pick<AppConfig, 'oncallEmail' | 'alertWebhookToken' | 'logger'>,
) {
  const target = { channels: ['email'], to: [config.oncallEmail] };
  const receiver = alertReceiver(notifier, target);
  return {
    /** For `createAlertEngine({ receivers })`. */
    receive: async (group: AlertGroup): Promise<void> => {
      await receiver.receive(group);
    },
    /** Undefined without a token: an open webhook would let anyone page on-call. */
    webhook:
      config.alertWebhookToken === undefined
        ? undefined
        : alertmanagerWebhookHandler(notifier, {
            ...target,
            bearerToken: config.alertWebhookToken,
            logger: config.logger,
          }),
  };
}
