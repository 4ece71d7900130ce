import { IncomingMessage, type ServerResponse } from 'node:http';
import {
  createHttpMetrics,
  type HttpMetrics,
  type HttpMetricsOptions,
  type HttpRequestHandle,
} from './http-metrics.js';
import { closeThroughPrototype } from './express-close.js';
import { finishKept, handleOf, keepHandle, type OwnedHandle } from './request-handles.js';
import { requestStart, START_FROM, watchRequestStarts, type StartsFrom } from './request-start.js';

export { serverTiming } from './server-timing/express-middleware.js';

/** Options of {@link expressMetrics}: the core options, or an existing recorder to share. */
export interface ExpressMetricsOptions extends HttpMetricsOptions {
  /** Record into this recorder instead of creating one (to share `snapshot()` across apps). */
  metrics?: HttpMetrics;
}

/** An Express middleware, with the error middleware and the recorder attached. */
export interface ExpressMetricsMiddleware {
  (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void;
  /**
   * Error middleware (four arguments) recording the thrown error's class as
   * `error.type`. Mount it after your routes and before your own error
   * handlers; it passes the error on untouched. Without it a thrown error is
   * recorded as its 5xx status (`error.type="500"`).
   */
  readonly errorHandler: (
    error: unknown,
    request: IncomingMessage,
    response: ServerResponse,
    next: (error?: unknown) => void,
  ) => void;
  /** The recorder (for `snapshot()`). */
  readonly metrics: HttpMetrics;
}

interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
  [ROUTE]?: { path?: unknown };
}

const ROUTE = Symbol('telltale.metrics.expressRoute');

type AdapterHandle = HttpRequestHandle & { adapterState: unknown };

function routeTemplate(baseUrl: string | undefined, path: unknown): string {
  const template = typeof path === 'string' ? path : String(path);
  if (!baseUrl) return template || '/';
  return template === '/' || template === '' ? baseUrl : baseUrl + template;
}

// Express (4 and 5) assigns `req.route` when a route starts dispatching,
// while `req.baseUrl` is still that router's mount path: capturing the pair
// at that moment gives the full template even when an error later unwinds
// the routers (which restores `baseUrl`).
// The route object lives on our handle (declared there, so no shape change);
// only requests we do not track fall back to a symbol property.
const expressHandle = (request: ExpressRequest) => handleOf(request) as AdapterHandle | undefined;

const routeProperty: PropertyDescriptor = Object.freeze({
  configurable: true,
  enumerable: true,
  get(this: ExpressRequest) {
    const handle = expressHandle(this);
    return handle !== undefined ? handle.adapterState : this[ROUTE];
  },
  set(this: ExpressRequest, route: { path?: unknown } | undefined) {
    const handle = expressHandle(this);
    if (handle === undefined) {
      this[ROUTE] = route;
      return;
    }
    handle.adapterState = route;
    if (route != null) handle.route = routeTemplate(this.baseUrl, route.path);
  },
});

// Express gives each request its app's `app.request` object as prototype.
// Installing the accessor there once per app (not on every request, which
// would turn each request object into a slow dictionary-mode object) keeps
// the per-request cost to one symbol-keyed property.
const prepared = new WeakSet<object>();
// Almost every request of a process shares one app prototype: skip the WeakSet then.
let lastPrepared: object | undefined;
function captureRoute(request: IncomingMessage): void {
  const prototype = Object.getPrototypeOf(request) as object | null;
  if (prototype === lastPrepared) return;
  if (prototype !== null && prototype !== IncomingMessage.prototype) {
    if (prepared.has(prototype)) {
      lastPrepared = prototype;
      return;
    }
    if (!Object.prototype.hasOwnProperty.call(prototype, 'route')) {
      Object.defineProperty(prototype, 'route', routeProperty);
      prepared.add(prototype);
      lastPrepared = prototype;
      return;
    }
  }
  // Not an Express request prototype: never touch node's own prototype.
  Object.defineProperty(request, 'route', routeProperty);
}

function routeAtFinish(request: IncomingMessage): string | undefined {
  const { route, baseUrl } = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return route == null ? undefined : routeTemplate(baseUrl, route.path);
}

function fullUrlSeen(request: ExpressRequest): boolean {
  return request.originalUrl === undefined || request.originalUrl === request.url;
}

// Where the prototype hook cannot see the response: one listener shared by every request
// (a closure per request costs about 1 µs on Express).
function onClose(this: ServerResponse): void {
  finishKept(this);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/**
 * Express (4 and 5) middleware recording `http.server.request.duration`
 * with `http.route` from the matched route template, including `baseUrl` of
 * nested routers. Mount it first.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { expressMetrics } from '@telltale/metrics/express';
 *
 * const app = express();
 * const metrics = expressMetrics({ ignore: ['/metrics', '/health/*'] });
 * app.use(metrics);
 * app.get('/users/:id', (request, response) => response.json({ id: request.params.id }));
 * app.use(metrics.errorHandler);
 * ```
 */
export function expressMetrics(options: ExpressMetricsOptions = {}): ExpressMetricsMiddleware {
  // Fallback for routes dispatched where the accessor is absent (a mounted
  // sub-app has its own request prototype): read req.route when the response ends.
  const metrics = options.metrics ?? createHttpMetrics({ getRoute: routeAtFinish, ...withoutUndefined(options) });
  const startFrom = (metrics as StartsFrom)[START_FROM];
  // Mounted under a path, the middleware sees URLs without it, unlike the announcement: it then
  // keeps to its own path so that `ignore` means the same on every request. Learnt once.
  let seesFullUrl: boolean | undefined;
  const middleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void => {
    seesFullUrl ??= fullUrlSeen(request);
    // Announced by node:http (see request-start.ts): everything was read there, and the
    // listeners attached; the first recorder to see the request claims it.
    const begun = startFrom === undefined || !seesFullUrl ? undefined : requestStart(request);
    if (begun !== undefined) {
      if (begun.handle === undefined) begun.handle = startFrom!(request, begun);
      if (begun.handle !== undefined) captureRoute(request);
      next();
      return;
    }
    // Not `metrics.track`, which adds a property to the request: see keepHandle.
    const handle = metrics.start(request);
    if (handle !== undefined) {
      keepHandle(request, handle);
      if (!closeThroughPrototype(response)) response.on('close', onClose);
      captureRoute(request);
      // This server's requests announced from now on take the path above.
      if (startFrom !== undefined && seesFullUrl && (handle as OwnedHandle).recording)
        watchRequestStarts((request.socket as { server?: object } | null)?.server);
    }
    next();
  };
  const errorHandler = (
    error: unknown,
    request: IncomingMessage,
    _response: ServerResponse,
    next: (error?: unknown) => void,
  ): void => {
    metrics.recordError(request, error);
    next(error);
  };
  return Object.assign(middleware, { errorHandler, metrics });
}
