import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AlertmanagerWebhookHandler } from './alerts/webhook-handler.js';

/**
 * Options of {@link fastifyAlertmanagerWebhook}.
 *
 * @example
 * ```ts
 * const options: FastifyAlertmanagerWebhookOptions = { handler: alertmanagerWebhookHandler(notifier), path: '/hooks/am' };
 * ```
 */
export interface FastifyAlertmanagerWebhookOptions {
  /** The handler from `alertmanagerWebhookHandler(notifier, options)`. */
  handler: AlertmanagerWebhookHandler;
  /** Route path; default `/alertmanager`. */
  path?: string;
}

// Module-private marker, so `instanceof` is safe here (never crosses package copies).
class BodyTimeout extends Error {}

/**
 * Fastify plugin adding the Alertmanager webhook route (POST; other methods
 * get 405). The body is read raw by the route (the route's `bodyLimit` is the
 * handler's `maxBodySize`), so the app's JSON parser settings do not matter;
 * a body slower than the handler's `bodyTimeout` gets a 408.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { alertmanagerWebhookHandler, createNotifier, memoryChannel } from '@telltale/notify';
 * import { fastifyAlertmanagerWebhook } from '@telltale/notify/fastify';
 *
 * const notifier = createNotifier({ channels: { inbox: memoryChannel() } });
 * const app = Fastify();
 * await app.register(fastifyAlertmanagerWebhook, { handler: alertmanagerWebhookHandler(notifier) });
 * await app.listen({ port: 3000 });
 * ```
 */
export const fastifyAlertmanagerWebhook: FastifyPluginAsync<FastifyAlertmanagerWebhookOptions> = (
  instance,
  options,
) => {
  const { handler } = options;
  // Keep the body raw in this plugin's scope so the handler validates and reports it itself.
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: handler.maxBodySize }, (_request, body, done) =>
    done(null, body),
  );
  instance.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof BodyTimeout)) throw error;
    const late = handler.timedOut();
    return reply.code(late.statusCode).headers(late.headers).send(late.body);
  });
  instance.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'],
    url: options.path ?? '/alertmanager',
    bodyLimit: handler.maxBodySize,
    // The body must arrive within the handler's bodyTimeout; past it the parser fails with a marker.
    preParsing: (_request, _reply, payload, done) => {
      const timer = setTimeout(() => {
        // Fail the parser (which listens for 'error') without destroying the socket, so the 408 is sent.
        payload.pause();
        if (payload.listenerCount('error') > 0) payload.emit('error', new BodyTimeout());
      }, handler.bodyTimeout);
      const stop = (): void => clearTimeout(timer);
      payload.once('end', stop).once('close', stop);
      done(null, payload);
    },
    // Method, auth and size are refused before the body is read.
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      const early = handler.precheck({ method: request.method, headers: request.headers });
      if (early) await reply.code(early.statusCode).headers(early.headers).send(early.body);
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = await handler.respond({ method: request.method, headers: request.headers, body: request.body });
      return reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
    },
  });
  return Promise.resolve();
};
