import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRequestHandle } from './http-metrics.js';
import { requestStart } from './request-start.js';

/** The property `track` puts the handle in (a global symbol: one per process, whatever the copies of this package). */
export const HANDLE = Symbol.for('telltale.metrics.handle');

/** A request `track` attached a handle to. */
export type TrackedRequest = IncomingMessage & { [HANDLE]?: HttpRequestHandle };

/** A handle that knows its recorder, so that a hook without the recorder at hand can record it. */
export interface OwnedHandle extends HttpRequestHandle {
  /** Records the request on the recorder that started it (idempotent, as `finish`). */
  finishOn(response: ServerResponse): void;
  /** Whether its recorder records at all (an SDK is registered, `meterProvider` is not `false`). */
  readonly recording: boolean;
}

// Handles of requests an adapter tracks without a property on the request (Express).
const kept = new WeakMap<IncomingMessage, HttpRequestHandle>();

/**
 * Attaches a handle to a request without adding a property to it, for
 * {@link handleOf} and {@link finishKept}. Express swaps
 * each request's prototype, after which V8 gives every property added to it a
 * map of its own (about 2 µs); a WeakMap entry costs about a third of that.
 */
export function keepHandle(request: IncomingMessage, handle: HttpRequestHandle): void {
  kept.set(request, handle);
}

/** Records the request {@link keepHandle} attached to `response.req`, if any (for a `close` hook). */
export function finishKept(response: ServerResponse): void {
  const request = response.req as IncomingMessage | undefined;
  const handle = request === undefined ? undefined : (kept.get(request) as OwnedHandle | undefined);
  handle?.finishOn(response);
}

/**
 * The handle a claimed {@link requestStart}, {@link keepHandle} or `track`
 * attached to a request, if any. The symbol last: its miss on an Express
 * request walks the whole prototype chain.
 */
export function handleOf(request: IncomingMessage): HttpRequestHandle | undefined {
  return requestStart(request)?.handle ?? kept.get(request) ?? (request as TrackedRequest)[HANDLE];
}
