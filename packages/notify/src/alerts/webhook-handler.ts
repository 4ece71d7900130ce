import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  options as check,
  parseAlertGroup,
  resolveLogger,
  TelltaleConfigError,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import type { Notifier } from '../notifier-types.js';
import { alertReceiver, type AlertReceiverOptions } from './alert-receiver.js';
import { readBody } from './read-body.js';
import { classifyWebhookFailure } from './webhook-failure.js';

/**
 * Options of {@link alertmanagerWebhookHandler}.
 *
 * @example
 * ```ts
 * const options: AlertmanagerWebhookOptions = {
 *   bearerToken: process.env.ALERTMANAGER_WEBHOOK_TOKEN,
 *   to: ['oncall@example.com'],
 *   maxBodySize: 1_048_576,
 *   bodyTimeout: '10s',
 * };
 * ```
 */
export interface AlertmanagerWebhookOptions extends AlertReceiverOptions {
  /**
   * Requests must carry `Authorization: Bearer <token>` (compared in constant
   * time, before the body is read), else 401. Required unless
   * `allowUnauthenticated` is true: anyone who can reach the endpoint could
   * otherwise page on-call from your trusted sender.
   */
  bearerToken?: string | undefined;
  /**
   * Accept requests without a token (say, behind a proxy that authenticates
   * Alertmanager). Logs a warning once at construction. Default false.
   */
  allowUnauthenticated?: boolean;
  /** Longest time to receive the whole body (408 beyond it); default `'10s'`. */
  bodyTimeout?: DurationInput;
  /** Largest accepted body in bytes (413 beyond it); default 1 MiB. */
  maxBodySize?: number;
  /** `Retry-After` sent with a 503 (queue full or closing, store unavailable); default `'30s'`. */
  retryAfter?: DurationInput;
  /** Pino-compatible logger; silent by default. */
  logger?: Partial<Logger>;
}

/**
 * A framework-neutral request: what the handler needs from it.
 *
 * @example
 * ```ts
 * const answer = await handler.respond({ method: 'POST', headers: request.headers, body: rawBuffer });
 * ```
 */
export interface WebhookRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The raw body (`Buffer`/`string`), or a value a framework already parsed from JSON. */
  body: unknown;
}

/**
 * What to answer. `body` is JSON.
 *
 * @example
 * ```ts
 * response.writeHead(answer.statusCode, answer.headers).end(answer.body);
 * ```
 */
export interface WebhookAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A node:http request listener accepting Alertmanager webhook POSTs, with
 * `respond()` for adapters that read the body themselves.
 *
 * @example
 * ```ts
 * http.createServer(handler).listen(9095);
 * ```
 */
export interface AlertmanagerWebhookHandler {
  /** node:http listener (errors end the response with a 500). */
  (request: IncomingMessage, response: ServerResponse): void;
  /** The same, as a promise, for adapters. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Authorises, validates and queues; never throws. */
  respond(request: WebhookRequest): Promise<WebhookAnswer>;
  /** Answer for a request refused before its body was read (wrong method, auth, size), else `undefined`. */
  precheck(request: Omit<WebhookRequest, 'body'>): WebhookAnswer | undefined;
  /** The configured body limit in bytes. */
  readonly maxBodySize: number;
  /** The configured body read timeout in milliseconds. */
  readonly bodyTimeout: number;
  /** The 408 answer for a body that took longer than `bodyTimeout`, for adapters that read the body themselves. */
  timedOut(): WebhookAnswer;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function answer(statusCode: number, body: unknown, headers: Record<string, string> = {}): WebhookAnswer {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

// Alertmanager sends `application/json`; JSON look-alikes such as `application/json-seq` are not it.
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

function problem(statusCode: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return { statusCode, code, message, extra };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

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
  check.object('alertmanagerWebhookHandler', options);
  const {
    bearerToken,
    allowUnauthenticated,
    bodyTimeout: bodyTimeoutInput,
    maxBodySize: limitInput,
    retryAfter: retryInput,
    logger: loggerInput,
    ...receiverOptions
  } = options;
  if (allowUnauthenticated !== undefined && typeof allowUnauthenticated !== 'boolean') {
    throw new TelltaleConfigError({
      option: 'allowUnauthenticated',
      value: allowUnauthenticated,
      expected: 'a boolean',
    });
  }
  if (bearerToken === undefined && allowUnauthenticated !== true) {
    throw new TelltaleConfigError({
      option: 'bearerToken',
      value: undefined,
      expected: 'a non-empty string (the token Alertmanager sends), or `allowUnauthenticated: true` to accept anyone',
    });
  }
  if (bearerToken !== undefined && (typeof bearerToken !== 'string' || bearerToken.length === 0)) {
    throw new TelltaleConfigError({ option: 'bearerToken', value: '<redacted>', expected: 'a non-empty string' });
  }
  if (bearerToken !== undefined && allowUnauthenticated === true) {
    throw new TelltaleConfigError({
      option: 'allowUnauthenticated',
      value: true,
      expected: 'not set together with `bearerToken`',
    });
  }
  const maxBodySize = check.positiveInteger('maxBodySize', limitInput, 1024 * 1024);
  const retryAfterSeconds = String(Math.max(1, Math.ceil(check.duration('retryAfter', retryInput, '30s') / 1000)));
  const bodyTimeout = check.duration('bodyTimeout', bodyTimeoutInput, '10s');
  const logger = resolveLogger(loggerInput);
  if (bearerToken === undefined) {
    logger.warn(
      { option: 'allowUnauthenticated' },
      'alertmanager webhook accepts unauthenticated requests: anyone who can reach it can page on-call',
    );
  }
  const receiver = alertReceiver(notifier, receiverOptions);
  const expected = bearerToken === undefined ? undefined : digest(`Bearer ${bearerToken}`);

  const refuse = (
    failure: { statusCode: number; code: string; message: string; extra: Readonly<Record<string, unknown>> },
    headers: Record<string, string> = {},
  ): WebhookAnswer =>
    answer(failure.statusCode, { error: { code: failure.code, message: failure.message, ...failure.extra } }, headers);

  function precheck(request: Omit<WebhookRequest, 'body'>): WebhookAnswer | undefined {
    if (request.method !== 'POST') {
      return refuse(problem(405, 'method-not-allowed', 'Alertmanager webhooks are POSTed'), { allow: 'POST' });
    }
    if (expected !== undefined) {
      const given = header(request.headers, 'authorization') ?? '';
      // Hash both sides so the comparison is constant-time whatever the lengths.
      if (!timingSafeEqual(digest(given.replace(/^bearer /i, 'Bearer ')), expected)) {
        return refuse(problem(401, 'unauthorized', 'A valid bearer token is required'), {
          'www-authenticate': 'Bearer realm="alertmanager-webhook"',
        });
      }
    }
    const type = header(request.headers, 'content-type');
    if (type === undefined || !JSON_TYPE.test(type)) {
      return refuse(problem(415, 'unsupported-media-type', 'Expected an application/json body'));
    }
    const length = Number(header(request.headers, 'content-length'));
    if (Number.isFinite(length) && length > maxBodySize) return tooLarge();
    return undefined;
  }

  function timedOut(): WebhookAnswer {
    return refuse(problem(408, 'request-timeout', `The body took longer than ${bodyTimeout} ms`), {
      connection: 'close',
    });
  }

  function tooLarge(): WebhookAnswer {
    return refuse(problem(413, 'payload-too-large', `The body exceeds ${maxBodySize} bytes`), {
      connection: 'close',
    });
  }

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
