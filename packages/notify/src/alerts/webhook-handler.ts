import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAlertGroup } from '@telltale/core';
import type { Notifier } from '../notifier-types.js';
import { alertReceiver } from './alert-receiver.js';
import { readBody } from './read-body.js';
import { classifyWebhookFailure } from './webhook-failure.js';
import { answer, problem, refuse, webhookGate } from './webhook-gate.js';
import { resolveWebhookOptions } from './webhook-options.js';
import type {
  AlertmanagerWebhookHandler,
  AlertmanagerWebhookOptions,
  WebhookAnswer,
  WebhookRequest,
} from './webhook-types.js';

export type {
  AlertmanagerWebhookHandler,
  AlertmanagerWebhookOptions,
  WebhookAnswer,
  WebhookRequest,
} from './webhook-types.js';

/**
 * Accepts real Alertmanager webhook POSTs (`webhook_configs`, payload
 * version 4) and turns each group into a notification through
 * {@link alertReceiver}. Answers `200` once the notification is queued (or
 * was a duplicate) or ignored (a group with no alerts), `400` naming the bad
 * field, `401` on a missing or wrong bearer token, `405` for other methods,
 * `408` when the body takes longer than `bodyTimeout`, `413` beyond
 * `maxBodySize`, `415` unless the body is `application/json`, and `503` with
 * `Retry-After` when the queue cannot accept (full or closing) or the store
 * cannot be written (full disk, locked by another process), so Alertmanager
 * retries; any other unexpected failure is a `500`. Over-long values and
 * alerts beyond what fits one notification are truncated (the message says
 * so), never refused.
 * `bearerToken` is required unless `allowUnauthenticated: true`. Mount it with `@telltale/notify/express`, `/fastify`
 * or `/node`, or directly as a node:http listener.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { alertmanagerWebhookHandler, createNotifier, smtpChannel } from '@telltale/notify';
 * const notifier = createNotifier({ channels: { email: smtpChannel({ host: 'smtp.example.com', from: 'alerts@example.com' }) } });
 * const handler = alertmanagerWebhookHandler(notifier, {
 *   to: ['oncall@example.com'],
 *   bearerToken: process.env.ALERTMANAGER_WEBHOOK_TOKEN,
 * });
 * createServer(handler).listen(9095, '127.0.0.1');
 * ```
 */
export function alertmanagerWebhookHandler(
  notifier: Notifier,
  options: AlertmanagerWebhookOptions = {},
): AlertmanagerWebhookHandler {
  const settings = resolveWebhookOptions(options);
  const { maxBodySize, bodyTimeout, retryAfterSeconds, logger } = settings;
  const receiver = alertReceiver(notifier, settings.receiverOptions);
  const { precheck, timedOut, tooLarge } = webhookGate(settings);

  async function respond(request: WebhookRequest): Promise<WebhookAnswer> {
    const early = precheck(request);
    if (early) return early;
    let payload: unknown = request.body;
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      const raw = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
      if (Buffer.byteLength(raw) > maxBodySize) return tooLarge();
      try {
        payload = JSON.parse(raw);
      } catch {
        return refuse(problem(400, 'invalid-json', 'The body is not valid JSON', { field: 'body' }));
      }
    }
    try {
      const group = parseAlertGroup(payload);
      if (group.alerts.length === 0) {
        logger.debug({ groupKey: group.groupKey }, 'alertmanager webhook: group with no alerts ignored');
        return answer(200, { status: 'ignored', reason: 'no alerts' });
      }
      const receipt = await receiver.receive(group);
      return answer(200, {
        status: receipt.duplicate ? 'duplicate' : 'accepted',
        messageId: receipt.messageId,
        idempotencyKey: receipt.idempotencyKey,
      });
    } catch (error) {
      return failed(error);
    }
  }

  function failed(error: unknown): WebhookAnswer {
    const failure = classifyWebhookFailure(error);
    if (failure.log) logger[failure.log.level](failure.log.fields, failure.log.text);
    return refuse(failure, failure.retry ? { 'retry-after': retryAfterSeconds } : {});
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let result = precheck({ method: request.method ?? 'GET', headers: request.headers });
    if (result === undefined) {
      const read = await readBody(request, maxBodySize, bodyTimeout);
      // The client went away mid-body: nobody to answer.
      if (read.outcome === 'aborted') return void response.destroy();
      if (read.outcome === 'timeout') {
        const late = timedOut();
        // Answer, then drop the socket: the rest of the body is not worth waiting for.
        response.writeHead(late.statusCode, late.headers).end(late.body, () => request.socket.destroy());
        return;
      }
      result =
        read.outcome === 'too-large'
          ? tooLarge()
          : await respond({ method: 'POST', headers: request.headers, body: read.body });
    } else request.resume();
    response.writeHead(result.statusCode, result.headers).end(result.body);
  };
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'alertmanager webhook failed');
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  };
  return Object.assign(handler, { handle, respond, precheck, timedOut, maxBodySize, bodyTimeout });
}
