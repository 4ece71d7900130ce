import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DurationInput, Logger } from '@telltale/core';
import type { AlertReceiverOptions } from './alert-receiver.js';

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
