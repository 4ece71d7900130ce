import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { TelltaleError, type Disposable } from '@telltale/core';
import type { BrokerEvent } from './broker.js';
import { LIVE_ERROR_CODES } from './errors.js';
import { admitRequest, isAnswer, parseEventId, parseTarget } from './gate.js';
import { resolveHubOptions, type LiveHubOptions } from './hub-options.js';
import { NOT_FOUND, sendAnswer, sendJson } from './http-responses.js';
import { ConnectionRegistry, type RegistryStats } from './registry.js';
import { createLiveTelemetry } from './telemetry.js';
import { validatePublication, type LiveMessage } from './publication.js';
import type { TransportContext } from './transports/context.js';
import { servePoll } from './transports/polling.js';
import { serveSse } from './transports/sse.js';
import { createWebSocketTransport } from './transports/websocket.js';

/**
 * Counts of {@link LiveHub.stats}.
 *
 * @example
 * ```ts
 * import type { LiveHubStats } from '@telltale/live';
 * const stats: LiveHubStats = hub.stats(); // { connections: 2, byTransport: { sse: 1, websocket: 1, polling: 0 }, topics: 1, keys: 1 }
 * ```
 */
export type LiveHubStats = RegistryStats;

/**
 * A live hub: SSE, WebSocket and polling on one path, fed by `publish`.
 *
 * @example
 * ```ts
 * import type { LiveHub } from '@telltale/live';
 * async function progress(hub: LiveHub, jobId: string, percent: number) {
 *   await hub.publish(`jobs/${jobId}`, { type: 'progress', data: { percent } });
 * }
 * ```
 */
export interface LiveHub {
  /** Serves SSE and polling under `basePath`; other paths go to `next()` (or get a 404 without one). */
  handler(request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void): void;
  /**
   * Serves one SSE stream or poll for `topic`, whatever the request's URL
   * (authorize and the caps apply as usual): for an app that routes itself
   * or picks the topic per viewer. `transport` forces SSE or polling instead
   * of choosing by the `Accept` header.
   */
  serve(
    request: IncomingMessage,
    response: ServerResponse,
    topic: string,
    options?: { transport?: 'sse' | 'polling' },
  ): Promise<void>;
  /** Serves WebSocket upgrades under `basePath` on `server`; the result detaches. */
  attach(server: Pick<Server, 'on' | 'removeListener'>): Disposable;
  /** Publishes to every subscriber of `topic` on every instance; resolves with the event id. */
  publish(topic: string, message: LiveMessage): Promise<number>;
  /** Sends a final `end` event on every instance, closes the topic's streams and frees its history. */
  end(topic: string): Promise<void>;
  /** Closes every stream, refuses new ones and closes the broker. */
  close(): Promise<void>;
  stats(): LiveHubStats;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a live hub. Mount `hub.handler` for SSE and polling and
 * `hub.attach(server)` for WebSocket, or use the `/express`, `/fastify` or
 * `/node` adapter, which do both.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createLiveHub } from '@telltale/live';
 *
 * const hub = createLiveHub({
 *   basePath: '/live',
 *   topics: ['jobs/:jobId'],
 *   authorize: (request) => (request.headers.authorization ? { allow: true, key: request.headers.authorization } : { allow: false }),
 * });
 * const server = createServer((request, response) => hub.handler(request, response));
 * hub.attach(server);
 * server.listen(3000);
 * await hub.publish('jobs/42', { type: 'progress', data: { percent: 10 } });
 * ```
 */
export function createLiveHub(input: LiveHubOptions): LiveHub {
  const options = resolveHubOptions(input);
  const { broker, clock, logger } = options;
  const telemetry = createLiveTelemetry(options.meterProvider);
  const registry = new ConnectionRegistry(options, telemetry);
  const context: TransportContext = { options, registry, telemetry };
  const websocket = createWebSocketTransport(context);
  const attached = new Set<Disposable>();
  let closing: Promise<void> | undefined;

  const serve = async (
    request: IncomingMessage,
    response: ServerResponse,
    topic: string,
    query: URLSearchParams,
    transport?: 'sse' | 'polling',
  ) => {
    const requestedAt = clock.now();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { error: 'method_not_allowed', message: 'Use GET' }, { allow: 'GET, HEAD' });
    }
    const sse = transport ? transport === 'sse' : (request.headers.accept ?? '').includes('text/event-stream');
    const admitted = await admitRequest(options, registry, telemetry, request, topic, sse ? 'sse' : 'polling');
    if (isAnswer(admitted)) return sendAnswer(response, admitted);
    if (sse) {
      const header = request.headers['last-event-id'];
      const given = typeof header === 'string' ? header : query.get('lastEventId');
      const resumeId = given === null ? undefined : options.sse.parseId(given);
      return await serveSse(context, request, response, topic, admitted, resumeId, requestedAt);
    }
    const after = query.has('after') ? parseEventId(query.get('after')) : 0;
    const waitSeconds = query.has('wait') ? Number(query.get('wait')) : 0;
    if (after === undefined || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
      admitted.release();
      const message = '"after" must be an event id and "wait" a number of seconds';
      return sendJson(response, 400, { error: 'bad_request', message });
    }
    const wait = Math.min(waitSeconds * 1000, options.maxPollWait);
    return await servePoll(context, request, response, topic, admitted, after, wait);
  };

  const fail = (response: ServerResponse, error: unknown): void => {
    logger.error({ err: error }, 'live: request failed');
    if (!response.headersSent) sendJson(response, 500, { error: 'internal_error', message: 'Live request failed' });
    else response.destroy();
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    websocket.handleUpgrade(request, socket, head);
  };

  const hub: LiveHub = {
    handler(request, response, next) {
      const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '/';
      const target = parseTarget(url, options.basePath);
      if (target === null || target === undefined) {
        if (next) return next();
        return sendJson(response, NOT_FOUND.status, NOT_FOUND.body);
      }
      serve(request, response, target.topic, target.query).catch((error: unknown) => fail(response, error));
    },
    async serve(request, response, topic, serveOptions = {}) {
      const url = request.url ?? '/';
      const queryAt = url.indexOf('?');
      const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
      await serve(request, response, topic, query, serveOptions.transport).catch((error: unknown) =>
        fail(response, error),
      );
    },
    attach(server) {
      server.on('upgrade', onUpgrade);
      const detach: Disposable = {
        dispose() {
          attached.delete(detach);
          server.removeListener('upgrade', onUpgrade);
        },
      };
      attached.add(detach);
      return detach;
    },
    async publish(topic, message) {
      if (registry.closing) throw new TelltaleError(LIVE_ERROR_CODES.closed, 'The live hub is closed');
      const { type, data, dataJson, id } = validatePublication(topic, message, options.maxEventBytes);
      const publishedAt = clock.now();
      const minimumId = Math.max(registry.lastId(topic), id === undefined ? 0 : id - 1);
      try {
        const event = await broker.publish(topic, { type, data, dataJson, publishedAt, minimumId });
        registry.noteId(topic, event.id);
        return event.id;
      } catch (error) {
        // Degrade to this instance: local subscribers still get the event.
        telemetry.brokerError('publish');
        logger.error({ err: error, topic }, 'live: broker publish failed; delivered on this instance only');
        const event: BrokerEvent = { id: minimumId + 1, type, data, dataJson, publishedAt };
        registry.deliver(topic, event);
        return event.id;
      }
    },
    async end(topic) {
      try {
        await broker.end(topic);
      } catch (error) {
        telemetry.brokerError('end');
        logger.error({ err: error, topic }, 'live: broker end failed; ended on this instance only');
      }
      registry.endTopic(topic);
    },
    close() {
      closing ??= (async () => {
        registry.closeAll();
        for (const detach of [...attached]) detach.dispose();
        websocket.close();
        await broker.close();
      })();
      return closing;
    },
    stats: () => registry.stats(),
    [Symbol.asyncDispose]: () => hub.close(),
  };
  return hub;
}
