import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AlertmanagerWebhookHandler } from './alerts/webhook-handler.js';

/**
 * Express handler for Alertmanager webhooks. Mount it on a POST route; it
 * reads the raw body itself, or uses `request.body` when a JSON body parser
 * ran first (keep that parser's limit in line with `maxBodySize`).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { alertmanagerWebhookHandler, createNotifier, memoryChannel } from '@telltale/notify';
 * import { expressAlertmanagerWebhook } from '@telltale/notify/express';
 *
 * const notifier = createNotifier({ channels: { inbox: memoryChannel() } });
 * const app = express();
 * app.all('/alertmanager', expressAlertmanagerWebhook(alertmanagerWebhookHandler(notifier)));
 * app.listen(3000);
 * ```
 */
export function expressAlertmanagerWebhook(handler: AlertmanagerWebhookHandler): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    // A body parser has consumed the stream: answer from what it parsed.
    const parsed = (request as { _body?: boolean })._body === true || request.readableEnded;
    const work = parsed
      ? handler
          .respond({ method: request.method, headers: request.headers, body: request.body as unknown })
          .then((answer) => void response.status(answer.statusCode).set(answer.headers).send(answer.body))
      : handler.handle(request, response);
    work.catch(next);
  };
}
