import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Histogram, Meter, MeterProvider, UpDownCounter } from '@opentelemetry/api';
import { options as check, resolveLogger, systemClock, type Logger, type MeterProviderLike } from '@telltale/core';
import { errorTypeOf, normalizeMethod, protocolVersion, urlScheme } from './attributes.js';
import { HTTP_DURATION_BUCKETS, validateBuckets } from './buckets.js';
import { compileIgnore, type IgnoreOption } from './ignore.js';
import { instrumentSource, type InstrumentState } from './meter.js';
import { createRouteGuard } from './route-guard.js';
import { producerTables } from './producer.js';
import { DurationTable } from './series.js';
import { HANDLE, handleOf, type OwnedHandle, type TrackedRequest } from './request-handles.js';
import { START_FROM, type RequestStart, type StartsFrom } from './request-start.js';
import { createSnapshot, type HttpMetricsSnapshot, type SnapshotOptions } from './snapshot.js';

/** Options of {@link createHttpMetrics} (and of every adapter). */
export interface HttpMetricsOptions {
  /** Meter provider to record into. Default: the global one, looked up per request (so registering the SDK later works). `false`: record nothing. */
  meterProvider?: MeterProviderLike | false;
  /** Bucket boundaries in seconds. Default: the semantic-conventions advice {@link HTTP_DURATION_BUCKETS}. */
  buckets?: readonly number[];
  /** Requests not to record: paths (`'/metrics'`, prefix `'/health/*'`; query strings ignored) or a predicate. */
  ignore?: IgnoreOption;
  /**
   * Route template of a request, for servers without a router the adapter
   * understands (plain node:http). Must return a template such as
   * `/users/:id`, never the raw path. Called when the response ends.
   */
  getRoute?: (request: IncomingMessage) => string | undefined;
  /** Most distinct `http.route` values recorded; later ones become `overflowRoute`. Default 1000. */
  maxRoutes?: number;
  /** The `http.route` value for routes beyond `maxRoutes`. Default `_OTHER`. */
  overflowRoute?: string;
  /** Also record `http.server.active_requests`. Default false. */
  activeRequests?: boolean;
  /** Also record `http.server.request.body.size` and `http.server.response.body.size` (from `Content-Length`). Default false. */
  recordBodySizes?: boolean;
  /** pino-compatible logger (for the `maxRoutes` warning). Silent by default. */
  logger?: Partial<Logger>;
  /** Clock for `snapshot()` rates. Default: the system clock. */
  clock?: { now(): number };
}

/** One request being measured; adapters fill in `route` and `errorType`. */
export interface HttpRequestHandle {
  /** `performance.now()` when the request started. */
  readonly startTime: number;
  /** `http.request.method` (normalised). */
  readonly method: string;
  /** The request being measured. */
  readonly request: IncomingMessage;
  /** Route template, set by the adapter; `undefined` when no route matched. */
  route: string | undefined;
  /** Exception class when the handler threw (set through `recordError`). */
  errorType: string | undefined;
  /** True once recorded; `finish` is idempotent. */
  finished: boolean;
}

/** The framework-agnostic recorder returned by {@link createHttpMetrics}. */
export interface HttpMetrics {
  /** Starts measuring a request; `undefined` when the request is ignored. */
  start(request: IncomingMessage): HttpRequestHandle | undefined;
  /** Records a request. Call once the response has finished or closed (later calls are ignored). */
  finish(handle: HttpRequestHandle, response: ServerResponse): void;
  /** `start` + `finish` when the response closes (normal end or client abort). */
  track(request: IncomingMessage, response: ServerResponse): HttpRequestHandle | undefined;
  /** Marks the tracked request as failed with `error`'s class (`error.type`), when the response ends in a 5xx or never completes. */
  recordError(request: IncomingMessage, error: unknown): void;
  /** p50/p95/p99, rate and error ratio per method and route, from what was recorded. */
  snapshot(options?: SnapshotOptions): HttpMetricsSnapshot;
  /** The bucket boundaries in use (seconds). */
  readonly buckets: readonly number[];
}

interface HttpInstruments {
  /** `undefined` when the provider has a registered producer: the table is exported instead. */
  duration: Histogram | undefined;
  active: UpDownCounter | undefined;
  requestSize: Histogram | undefined;
  responseSize: Histogram | undefined;
}

const ABORTED = 'aborted';
const NO_STATUS = -1;

class RequestHandle implements OwnedHandle {
  route: string | undefined = undefined;
  errorType: string | undefined = undefined;
  finished = false;
  /** Adapter-private (Express keeps `req.route` here, so the request gains no property). */
  adapterState: unknown = undefined;
  constructor(
    readonly request: IncomingMessage,
    readonly startTime: number,
    readonly method: string,
    readonly state: InstrumentState<HttpInstruments>,
    readonly activeAttributes: Attributes | undefined,
    private readonly recorderFinish: (handle: HttpRequestHandle, response: ServerResponse) => void,
    /** node:http's announcement, when the request was started from it. */
    readonly begun?: RequestStart,
  ) {}
  get recording(): boolean {
    return this.state.recording;
  }
  finishOn(response: ServerResponse): void {
    this.recorderFinish(this, response);
  }
}

/**
 * Creates the framework-agnostic HTTP server metrics recorder:
 * `http.server.request.duration` (histogram, seconds, OpenTelemetry
 * semantic conventions), optionally `http.server.active_requests` and body
 * sizes. The Express, Fastify and node:http adapters wrap it.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHttpMetrics } from '@telltale/metrics';
 *
 * const metrics = createHttpMetrics({ ignore: ['/metrics'] });
 * createServer((request, response) => {
 *   const handle = metrics.track(request, response); // records when the response closes
 *   if (handle) handle.route = '/hello';
 *   response.end('hello');
 * }).listen(3000);
 * ```
 */
export function createHttpMetrics(options: HttpMetricsOptions = {}): HttpMetrics {
  check.object('options', options);
  const buckets = validateBuckets('buckets', options.buckets, HTTP_DURATION_BUCKETS);
  const ignore = compileIgnore(options.ignore);
  const getRoute = check.optionalFunction<(request: IncomingMessage) => string | undefined>(
    'getRoute',
    options.getRoute,
  );
  const maxRoutes = check.positiveInteger('maxRoutes', options.maxRoutes, 1000);
  const overflowRoute = check.nonEmptyString('overflowRoute', options.overflowRoute, '_OTHER');
  const activeRequests = options.activeRequests === true;
  const recordBodySizes = options.recordBodySizes === true;
  const clock = options.clock ?? systemClock;
  // One table per recorder: `snapshot()` reads it, and a registered producer exports it.
  // Its route lookup answers the route guard for every route seen before.
  const table = new DurationTable(buckets, createRouteGuard(maxRoutes, overflowRoute, resolveLogger(options.logger)));
  const snapshot = createSnapshot(table, () => clock.now());
  let exportedBy: Set<DurationTable> | undefined;

  const instruments = instrumentSource(options.meterProvider, (meter: Meter, provider): HttpInstruments => ({
    duration: exportThrough(provider)
      ? undefined
      : meter.createHistogram('http.server.request.duration', {
          description: 'Duration of HTTP server requests.',
          unit: 's',
          advice: { explicitBucketBoundaries: [...buckets] },
        }),
    active: activeRequests
      ? meter.createUpDownCounter('http.server.active_requests', {
          description: 'Number of active HTTP server requests.',
          unit: '{request}',
        })
      : undefined,
    requestSize: recordBodySizes
      ? meter.createHistogram('http.server.request.body.size', {
          description: 'Size of HTTP server request bodies.',
          unit: 'By',
        })
      : undefined,
    responseSize: recordBodySizes
      ? meter.createHistogram('http.server.response.body.size', {
          description: 'Size of HTTP server response bodies.',
          unit: 'By',
        })
      : undefined,
  }));

  function exportThrough(provider: MeterProvider): boolean {
    exportedBy?.delete(table);
    exportedBy = producerTables(provider);
    exportedBy?.add(table);
    return exportedBy !== undefined;
  }

  const open = (request: IncomingMessage, startTime: number, method: string, begun?: RequestStart) => {
    const state = instruments();
    let activeAttributes: Attributes | undefined;
    if (state.recording && state.instruments.active !== undefined) {
      activeAttributes = { 'http.request.method': method, 'url.scheme': begun?.scheme ?? urlScheme(request) };
      state.instruments.active.add(1, activeAttributes);
    }
    return new RequestHandle(request, startTime, method, state, activeAttributes, finish, begun);
  };
  const start = (request: IncomingMessage): RequestHandle | undefined =>
    ignore !== undefined && ignore(request)
      ? undefined
      : open(request, performance.now(), normalizeMethod(request.method));
  // From what node:http's announcement read, without touching the request (see request-start.ts).
  const startFrom = (request: IncomingMessage, begun: RequestStart): RequestHandle | undefined =>
    ignore !== undefined && (ignore.byUrl === undefined ? ignore(request) : ignore.byUrl(begun.url))
      ? undefined
      : open(request, begun.startTime, begun.method, begun);

  const finish = (handle: HttpRequestHandle, response: ServerResponse): void => {
    if (handle.finished) return;
    handle.finished = true;
    const state = (handle as RequestHandle).state ?? instruments();
    if (!state.recording) return;
    const seconds = (performance.now() - handle.startTime) / 1000;
    const request = handle.request;
    const begun = (handle as RequestHandle).begun;
    const completed = begun === undefined ? response.writableFinished : begun.completed;
    // A completed response has sent its headers: skip the second getter on the common path.
    const sent = completed || response.headersSent;
    const status = response.statusCode;
    let route = handle.route;
    if (route === undefined && getRoute !== undefined) route = getRoute(request);
    // The table's route lookup also applies the `maxRoutes` guard.
    const group = table.group(route);
    route = group.route;
    let errorType: string | undefined;
    if (handle.errorType !== undefined && (!completed || status >= 500)) errorType = handle.errorType;
    else if (!completed) errorType = ABORTED;
    else if (status >= 500) errorType = String(status);
    const scheme = begun?.scheme ?? urlScheme(request);
    const version = begun?.version ?? protocolVersion(request);
    table.record(group, handle.method, scheme, version, sent ? status : NO_STATUS, errorType, seconds);
    const bound = state.instruments;
    // Per-request attributes only for the SDK's own instruments (no producer, or body sizes).
    if (bound.duration === undefined && bound.requestSize === undefined) {
      if ((handle as RequestHandle).activeAttributes !== undefined) finishActive(handle as RequestHandle);
      return;
    }
    recordOnSdk(handle as RequestHandle, response, seconds, sent, status, route, errorType, scheme, version);
  };

  // The SDK path: a recorder on a provider without the producer, or body sizes.
  const recordOnSdk = (
    handle: RequestHandle,
    response: ServerResponse,
    seconds: number,
    sent: boolean,
    status: number,
    route: string | undefined,
    errorType: string | undefined,
    scheme: string,
    version: string,
  ): void => {
    const { duration, requestSize, responseSize } = handle.state.instruments;
    const attributes: Attributes = {
      'http.request.method': handle.method,
      'url.scheme': scheme,
      'network.protocol.version': version,
    };
    if (sent) attributes['http.response.status_code'] = status;
    if (route !== undefined) attributes['http.route'] = route;
    if (errorType !== undefined) attributes['error.type'] = errorType;
    duration?.record(seconds, attributes);
    finishActive(handle);
    if (requestSize !== undefined) {
      const size = Number(handle.request.headers['content-length']);
      if (Number.isFinite(size)) requestSize.record(size, attributes);
    }
    if (responseSize !== undefined) {
      const size = Number(response.getHeader('content-length'));
      if (sent && Number.isFinite(size)) responseSize.record(size, attributes);
    }
  };

  const finishActive = (handle: RequestHandle): void => {
    if (handle.activeAttributes !== undefined) handle.state.instruments.active?.add(-1, handle.activeAttributes);
  };
  // One shared listener (no closure per request): the handle rides on the response.
  // Node links the response to its request (`response.req`), so only the request carries the handle.
  function onClose(this: ServerResponse): void {
    const handle = (this.req as TrackedRequest | undefined)?.[HANDLE];
    if (handle !== undefined) finish(handle, this);
  }

  const track = (request: IncomingMessage, response: ServerResponse): HttpRequestHandle | undefined => {
    const handle = start(request);
    if (handle === undefined) return undefined;
    (request as TrackedRequest)[HANDLE] = handle;
    response.on('close', onClose);
    return handle;
  };

  const recordError = (request: IncomingMessage, error: unknown): void => {
    const handle = handleOf(request);
    if (handle !== undefined && !handle.finished) handle.errorType = errorTypeOf(error);
  };

  const recorder: HttpMetrics & StartsFrom = { start, finish, track, recordError, snapshot, buckets };
  recorder[START_FROM] = startFrom;
  return recorder;
}
