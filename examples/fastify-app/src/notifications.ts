import type { AlertGroup } from '@telltale/core';
import {
  alertmanagerWebhookHandler,
  alertReceiver,
  createNotifier,
  smtpChannel,
  webhookChannel,
} from '@telltale/notify';
import type { AppConfig } from './config.js';

/** The notifier: an `email` channel over SMTP and, when configured, a signed `ops` webhook. */
export function createAppNotifier(config: AppConfig) {
  return createNotifier({
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
    webhook: alertmanagerWebhookHandler(notifier, {
      ...target,
      bearerToken: config.alertWebhookToken,
      logger: config.logger,
    }),
  };
}
