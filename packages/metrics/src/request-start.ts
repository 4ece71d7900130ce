import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeMethod, protocolVersion, urlScheme } from './attributes.js';
import type { OwnedHandle } from './request-handles.js';

// Express swaps every request's and response's prototype before any middleware runs,
// after which V8 gives them hidden classes of their own: each property read there misses
// the inline caches (about 0.3 µs), each property or listener added costs 1–2 µs. node:http
// announces every request on this channel just before its 'request' event, while both
// objects still share their hidden classes: what a recorder needs from them is read there,
// and its listeners attached there, at a fraction of the cost.
const CHANNEL = 'http.server.request.start';
const START = Symbol('telltale.metrics.requestStart');

/** What was read from a request when node:http announced it, and the handle that claimed it. */
export class RequestStart {
  /** Set by the recorder whose middleware claims the request; recorded when the response closes. */
  handle: OwnedHandle | undefined = undefined;
  /** The response emitted 'finish' (all of it handed to the socket), so its close is no abort. */
  completed = false;
  constructor(
    readonly request: IncomingMessage,
    readonly startTime: number,
    readonly method: string,
    readonly url: string | undefined,
    readonly scheme: string,
    readonly version: string,
  ) {}
}

type Started = { [START]?: RequestStart };

/** A recorder's way to start a request from its announcement (absent on recorders not built by `createHttpMetrics`). */
export const START_FROM = Symbol('telltale.metrics.startFrom');
export type StartsFrom = {
  [START_FROM]?: (request: IncomingMessage, begun: RequestStart) => OwnedHandle | undefined;
};

let subscribed = false;
// The latest announcement: a middleware mounted first runs in the same tick as it, and so does
// Express' assignment of `req.route`; both find it by identity, without a read on the request.
let latest: RequestStart | undefined;
// Servers a recorder has recorded a request of: the others' requests are left alone.
const watched = new WeakSet<object>();

/**
 * Starts reading every HTTP/1 request of `server` as node:http announces it
 * (for good). Each of its requests then costs a small object and two
 * listeners; other servers' requests a WeakSet lookup.
 */
export function watchRequestStarts(server: object | undefined): void {
  if (server === undefined || watched.has(server)) return;
  watched.add(server);
  if (subscribed) return;
  subscribed = true;
  subscribe(CHANNEL, onRequestStart);
}

function onRequestStart(message: unknown): void {
  const { request, response, server } = message as {
    request: IncomingMessage;
    response: ServerResponse;
    server: object;
  };
  if (!watched.has(server)) return;
  const start = new RequestStart(
    request,
    performance.now(),
    normalizeMethod(request.method),
    request.url,
    urlScheme(request),
    protocolVersion(request),
  );
  (request as Started)[START] = start;
  latest = start;
  // Closures, so that nothing is read from the response once Express has it.
  response.on('finish', () => {
    start.completed = true;
  });
  response.on('close', () => {
    if (latest === start) latest = undefined; // keeps no request alive once answered
    start.handle?.finishOn(response);
  });
}

/** The announcement of a request, if node:http made one after {@link watchRequestStarts}. */
export function requestStart(request: IncomingMessage): RequestStart | undefined {
  return latest !== undefined && latest.request === request ? latest : (request as Started)[START];
}
