import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AlertmanagerWebhookHandler } from './alerts/webhook-handler.js';

/**
 * Options of {@link withAlertmanagerWebhook}.
 *
 * @example
 * ```ts
 * const options: NodeAlertmanagerWebhookOptions = { path: '/hooks/alertmanager' };
 * ```
 */
export interface NodeAlertmanagerWebhookOptions {
  /** Path served by the webhook handler; default `/alertmanager`. */
  path?: string;
}

/**
 * Wraps a node:http listener so requests to `path` (default `/alertmanager`)
 * go to the Alertmanager webhook handler and everything else to `next`
 * (404 when there is none).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { alertmanagerWebhookHandler, createNotifier, memoryChannel } from '@telltale/notify';
 * import { withAlertmanagerWebhook } from '@telltale/notify/node';
 *
 * const notifier = createNotifier({ channels: { inbox: memoryChannel() } });
 * const webhook = alertmanagerWebhookHandler(notifier, { bearerToken: process.env.WEBHOOK_TOKEN });
 * createServer(withAlertmanagerWebhook(webhook, (request, response) => response.end('app'))).listen(3000);
 * ```
 */
export function withAlertmanagerWebhook(
  handler: AlertmanagerWebhookHandler,
  next?: RequestListener,
  options: NodeAlertmanagerWebhookOptions = {},
): RequestListener {
  const path = options.path ?? '/alertmanager';
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    if ((queryAt === -1 ? url : url.slice(0, queryAt)) === path) {
      handler(request, response);
      return;
    }
    if (next) {
      next(request, response);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
  };
}
