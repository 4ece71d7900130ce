import type { AlertGroup } from '@telltale/core';
import { createNotifier, smtpChannel, webhookChannel } from '@telltale/notify';
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

/** An alert receiver that emails a firing or resolved alert group to on-call. */
export function emailAlertGroups(notifier: AppNotifier, oncallEmail: string) {
  return async (group: AlertGroup): Promise<void> => {
    const names = [...new Set(group.alerts.map((alert) => alert.labels.alertname))].join(', ');
    const lines = group.alerts.map(
      (alert) => `- [${alert.status}] ${alert.labels.alertname}: ${alert.annotations.summary ?? ''}`,
    );
    await notifier.send(
      {
        to: [oncallEmail],
        subject: `[${group.status.toUpperCase()}] ${names}`,
        text: `${lines.join('\n')}\n\nGroup: ${group.groupKey}`,
        severity: group.status === 'firing' ? 'critical' : 'info',
        data: { groupKey: group.groupKey },
      },
      {
        channels: ['email'],
        // The same group state is sent once, even if the engine re-notifies.
        idempotencyKey: `${group.groupKey}:${group.status}:${group.alerts.map((alert) => alert.startsAt).join(',')}`,
      },
    );
  };
}
