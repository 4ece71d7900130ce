import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveLogger, systemClock, type TimerHandle } from '@telltale/core';
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options.js';
import { SECURITY_HEADERS, sendJson } from './http-responses.js';
import { createProcessStatsReader } from './process-stats.js';
import { handleSilence } from './silence-action.js';
import { createSnapshotCollector, type DashboardSnapshot } from './snapshot.js';
import { createSseBroadcaster } from './sse-broadcaster.js';
import { staticAsset } from './static-assets.js';

/**
 * Extra inputs of {@link Dashboard.handle}, for framework adapters.
 *
 * @example
 * ```ts
 * // in a framework that already parsed the JSON body:
 * await dashboard.handle(request.raw, reply.raw, { body: request.body });
 * ```
 */
export interface HandleOptions {
  /** A request body the framework already parsed (the stream is then consumed). */
  body?: unknown;
}

/**
 * A live operations page. See {@link createDashboard}.
 *
 * @example
 * ```ts
 * import { createDashboard, type Dashboard } from '@telltale/dashboard';
 * await using dashboard: Dashboard = createDashboard({ sources: { routes: () => [] } });
 * ```
 */
export interface Dashboard {
  /**
   * Serves the page, its stream and its actions under `path`. Resolves to
   * `false` (without touching the response) for URLs outside `path`.
   */
  handle(request: IncomingMessage, response: ServerResponse, options?: HandleOptions): Promise<boolean>;
  /** Collects a fresh snapshot now (also what `snapshot.json` serves). */
  snapshot(): Promise<DashboardSnapshot>;
  /** The mount path, e.g. `/_telltale`. */
  readonly path: string;
  /** Connected SSE clients. */
  readonly clients: number;
  /** Ends every stream and stops sampling. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Kept short on purpose: Node retains each response's header block for the
// life of the stream, and a document-only header such as the CSP would cost
// ~400 bytes per open connection for nothing.
const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-content-type-options': 'nosniff',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * Creates the dashboard: a page (HTML, CSS and vanilla JS shipped in the
 * package, no CDN), a Server-Sent Events stream broadcasting one shared
 * snapshot per tick, `snapshot.json` for polling, and a protected action to
 * silence alerts. Mount it with `@telltale/dashboard/node`, `/express` or
 * `/fastify`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createDashboard } from '@telltale/dashboard';
 *
 * const dashboard = createDashboard({
 *   sources: { routes: () => metrics.snapshot().routes, health: () => registry.run() },
 *   authorize: { act: (request) => request.headers.authorization === `Bearer ${process.env.OPS_TOKEN}` },
 * });
 * createServer(async (request, response) => {
 *   if (await dashboard.handle(request, response)) return;
 *   response.end('app');
 * }).listen(3000); // open http://localhost:3000/_telltale/
 * ```
 */
export function createDashboard(input: DashboardOptions = {}): Dashboard {
  const options = resolveDashboardOptions(input);
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const processStats = createProcessStatsReader(() => clock.now());
  const bootId = clock.now().toString(36);
  let sequence = 0;
  let latest: { snapshot: DashboardSnapshot; json: string } | undefined;
  let inFlight: Promise<{ snapshot: DashboardSnapshot; json: string }> | undefined;
  let tickTimer: TimerHandle | undefined;
  let closed = false;

  const timeout = <T>(promise: Promise<T>): Promise<T | undefined> =>
    new Promise<T | undefined>((resolve, reject) => {
      const timer = clock.setTimeout(() => resolve(undefined), options.tick);
      promise.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });

  const collect = createSnapshotCollector({
    sources: options.sources,
    title: options.title,
    tick: options.tick,
    historyLength: options.history,
    maxRoutes: options.maxRoutes,
    silence: options.silence !== undefined && options.act !== undefined && options.sources.alerts !== undefined,
    now: () => clock.now(),
    readProcess: () => processStats.read(),
    timeout,
  });

  const broadcaster = createSseBroadcaster({
    clock,
    heartbeat: options.heartbeat,
    idleTimeout: options.idleTimeout,
    maxClients: options.maxClients,
    maxClientsPerAddress: options.maxClientsPerAddress,
    onActive: () => {
      if (tickTimer === undefined) scheduleTick(0);
    },
    onIdle: () => {
      if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
      tickTimer = undefined;
      // Nobody watches: stop sampling the event loop too (polling restarts it).
      processStats.stop();
    },
  });

  // One collection at a time; concurrent callers share it. The snapshot is
  // serialised once here and the same string goes to every client.
  const refresh = (): Promise<{ snapshot: DashboardSnapshot; json: string }> => {
    inFlight ??= (async () => {
      processStats.start();
      const id = `${bootId}-${++sequence}`;
      const snapshot = await collect(id);
      const json = JSON.stringify(snapshot);
      latest = { snapshot, json };
      if (!closed) broadcaster.publish(id, 'snapshot', json);
      return latest;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  function scheduleTick(delay: number): void {
    tickTimer = clock.setTimeout(() => {
      if (closed || broadcaster.size === 0) {
        tickTimer = undefined;
        return;
      }
      scheduleTick(options.tick);
      if (inFlight === undefined) {
        refresh().catch((error: unknown) => logger.error({ err: error }, 'dashboard snapshot failed'));
      }
    }, delay);
  }

  const authorized = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (options.view === undefined || (await options.view(request))) return true;
    sendJson(response, 403, { error: 'not allowed to view this dashboard' });
    return false;
  };

  const serveEvents = (request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void => {
    const address = options.clientAddress(request);
    const refusal = broadcaster.admit(address);
    if (refusal !== undefined) {
      const scope = refusal.scope === 'global' ? 'in total' : 'from your address';
      sendJson(
        response,
        503,
        {
          error: `too many dashboard connections ${scope} (limit ${refusal.limit}); poll snapshot.json instead`,
          scope: refusal.scope,
          limit: refusal.limit,
        },
        { 'retry-after': String(Math.ceil(options.tick / 1000) * 5) },
      );
      return;
    }
    request.socket.setNoDelay(true);
    request.socket.setTimeout(0);
    // The stream ends only when the connection does, so chunked framing
    // would add three extra socket writes per event for nothing.
    response.useChunkedEncodingByDefault = false;
    response.writeHead(200, EVENT_STREAM_HEADERS);
    response.flushHeaders();
    const header = request.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) ?? query.get('lastEventId') ?? undefined;
    broadcaster.attach(response, address, lastEventId);
  };

  const servePoll = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const fresh = latest !== undefined && clock.now() - latest.snapshot.takenAt < options.tick;
    const current = fresh ? latest! : await refresh();
    const etag = `"${current.snapshot.id}"`;
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { ...SECURITY_HEADERS, etag, 'cache-control': 'no-cache' });
      response.end();
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(current.json),
      'cache-control': 'no-cache',
      etag,
    });
    response.end(request.method === 'HEAD' ? undefined : current.json);
  };

  const serveAsset = async (request: IncomingMessage, response: ServerResponse, name: string): Promise<boolean> => {
    const pending = staticAsset(name);
    if (pending === undefined) return false;
    const asset = await pending;
    const headers = { ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' };
    if (request.headers['if-none-match'] === asset.etag) {
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    response.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': asset.body.length });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  };

  const route = async (
    request: IncomingMessage,
    response: ServerResponse,
    subPath: string,
    query: URLSearchParams,
    handleOptions: HandleOptions,
  ): Promise<void> => {
    const method = request.method ?? 'GET';
    if (subPath === 'actions/silence') {
      if (method !== 'POST') {
        sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
        return;
      }
      await handleSilence(
        {
          act: options.act,
          silence: options.silence,
          alerts: options.sources.alerts,
          now: () => clock.now(),
          onSilenced: () => {
            refresh().catch((error: unknown) => logger.error({ err: error }, 'dashboard snapshot failed'));
          },
        },
        request,
        response,
        handleOptions.body,
      );
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(response, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      return;
    }
    if (!(await authorized(request, response))) return;
    if (subPath === 'events') {
      if (method === 'HEAD') return sendJson(response, 405, { error: 'use GET' }, { allow: 'GET' });
      return serveEvents(request, response, query);
    }
    if (subPath === 'snapshot.json') return servePoll(request, response);
    if (await serveAsset(request, response, subPath === '' ? 'index.html' : subPath)) return;
    sendJson(response, 404, { error: 'not found' });
  };

  const handle = async (
    request: IncomingMessage,
    response: ServerResponse,
    handleOptions: HandleOptions = {},
  ): Promise<boolean> => {
    // Express rewrites request.url under a mount path; originalUrl keeps the full one.
    const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const search = queryAt === -1 ? '' : url.slice(queryAt);
    if (options.path !== '' && pathname === options.path) {
      // The page uses relative URLs, so it must be served from `path/`.
      response.writeHead(308, { ...SECURITY_HEADERS, location: `${options.path}/${search}` });
      response.end();
      return true;
    }
    if (!pathname.startsWith(`${options.path}/`)) return false;
    try {
      if (closed) {
        sendJson(response, 503, { error: 'dashboard is closed' });
        return true;
      }
      const subPath = pathname.slice(options.path.length + 1);
      await route(request, response, subPath, new URLSearchParams(search), handleOptions);
    } catch (error) {
      logger.error({ err: error, path: pathname }, 'dashboard request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'dashboard request failed' });
      else response.end();
    }
    return true;
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
    tickTimer = undefined;
    broadcaster.close();
    await inFlight?.catch(() => undefined);
    processStats.stop();
  };

  return {
    handle,
    snapshot: async () => (await refresh()).snapshot,
    path: options.path,
    get clients() {
      return broadcaster.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
