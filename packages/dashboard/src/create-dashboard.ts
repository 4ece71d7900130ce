import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, resolveLogger, systemClock, type TimerHandle } from '@telltale/core';
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options.js';
import { createDetailsPolicy, withoutHealthDetails } from './health-details.js';
import { SECURITY_HEADERS, sendJson } from './http-responses.js';
import { createProcessStatsReader } from './process-stats.js';
import { createProfileEndpoint } from './profiles.js';
import { handleSilence } from './silence-action.js';
import { createSnapshotCollector, type DashboardSnapshot } from './snapshot.js';
import { createSnapshotEndpoints, type PublishedSnapshot as Published } from './snapshot-endpoints.js';
import { createSnapshotStream } from './snapshot-stream.js';
import { serveStaticAsset } from './static-assets.js';

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
 * let previous = metrics.snapshot();
 * const dashboard = createDashboard({
 *   sources: {
 *     // Interval figures (requests since the previous tick), not totals since start.
 *     routes: () => {
 *       const interval = metrics.snapshot({ since: previous });
 *       previous = metrics.snapshot();
 *       return interval.routes;
 *     },
 *     health: () => registry.run(),
 *   },
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
  let latest: Published | undefined;
  let inFlight: Promise<Published> | undefined;
  const showsDetails = createDetailsPolicy(options.healthDetails, options.view !== undefined);
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
          reject(error instanceof Error ? error : new Error(describeError(error)));
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
    profiles: options.act !== undefined,
    now: () => clock.now(),
    readProcess: () => processStats.read(),
    timeout,
  });

  const serveProfile = createProfileEndpoint(
    { hostAllowed: options.hostAllowed, act: options.act, clock, logger },
    input.profiles,
  );
  const stream = createSnapshotStream({ ...options, clock, logger, bootId });

  // One collection at a time; concurrent callers share it. The snapshot is
  // serialised here once per audience (with and without health details).
  const refresh = (): Promise<Published> => {
    inFlight ??= (async () => {
      processStats.start();
      const number = ++sequence;
      const snapshot = await collect(`${bootId}-${number}`);
      const json = JSON.stringify(snapshot);
      const restricted = withoutHealthDetails(snapshot);
      const publicJson = restricted === snapshot ? json : JSON.stringify(restricted);
      latest = { snapshot, json, publicJson };
      if (!closed) {
        stream
          .publish(number, json, publicJson, snapshot, restricted)
          .catch((error: unknown) => logger.error({ err: error }, 'dashboard snapshot not streamed'));
      }
      return latest;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  function scheduleTick(delay: number): void {
    tickTimer = clock.setTimeout(
      () => {
        if (closed || stream.clients === 0) {
          tickTimer = undefined;
          // Nobody watches: stop sampling the event loop too (polling restarts it).
          processStats.stop();
          return;
        }
        scheduleTick(options.tick);
        if (inFlight === undefined) {
          refresh().catch((error: unknown) => logger.error({ err: error }, 'dashboard snapshot failed'));
        }
      },
      delay,
      { background: true },
    );
  }

  const authorized = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (options.view === undefined || (await options.view(request))) return true;
    sendJson(response, 403, { error: 'not allowed to view this dashboard' });
    return false;
  };

  const { serveEvents, servePoll } = createSnapshotEndpoints({
    stream,
    onStreamOpened: () => {
      if (tickTimer === undefined) scheduleTick(0);
    },
    tick: options.tick,
    now: () => clock.now(),
    showsDetails,
    latest: () => latest,
    refresh,
  });

  const route = async (
    request: IncomingMessage,
    response: ServerResponse,
    subPath: string,
    query: URLSearchParams,
    handleOptions: HandleOptions,
  ): Promise<void> => {
    const method = request.method ?? 'GET';
    if (subPath.startsWith('actions/profile/')) return serveProfile(request, response, subPath.slice(16), query);
    if (subPath === 'actions/silence') {
      if (method !== 'POST') {
        sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
        return;
      }
      await handleSilence(
        {
          hostAllowed: options.hostAllowed,
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
    if (await serveStaticAsset(request, response, subPath === '' ? 'index.html' : subPath)) return;
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
    await stream.close();
    await inFlight?.catch(() => undefined);
    processStats.stop();
  };

  return {
    handle,
    snapshot: async () => (await refresh()).snapshot,
    path: options.path,
    get clients() {
      return stream.clients;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
