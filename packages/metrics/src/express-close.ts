import { ServerResponse } from 'node:http';
import { finishKept } from './request-handles.js';

// Express gives each response its app's `app.response` object as prototype
// (as it does for requests). An `emit` there sees every response's `close`
// without a listener per request: adding one to an Express response costs
// about 1 µs, since every property touched on it misses V8's caches.
// Only a root app's prototype: a mounted sub-app hands the response back to
// its parent's prototype when a request leaves it unanswered, and a `close`
// there would be missed.

interface AppResponse {
  app?: { parent?: unknown };
  emit: (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
}

const hooked = new WeakSet<object>();
// Almost every response of a process shares one app prototype: skip the WeakSet then.
let lastHooked: AppResponse | undefined;

/**
 * Makes sure `response` reports its `close` to {@link finishKept} through its
 * app's prototype; false when it cannot (not an Express root app's response),
 * and the caller listens on the response itself.
 */
export function closeThroughPrototype(response: ServerResponse): boolean {
  const prototype = Object.getPrototypeOf(response) as AppResponse | null;
  if (prototype === lastHooked) return lastHooked.app?.parent === undefined;
  if (prototype === null || prototype === ServerResponse.prototype || prototype.app === undefined) return false;
  if (prototype.app.parent !== undefined) return false;
  if (!hooked.has(prototype)) {
    // Someone else's `emit` on this very prototype: leave it alone.
    if (Object.prototype.hasOwnProperty.call(prototype, 'emit')) return false;
    hookEmit(prototype);
    hooked.add(prototype);
  }
  lastHooked = prototype;
  return true;
}

function hookEmit(prototype: AppResponse): void {
  const parent = Object.getPrototypeOf(prototype) as AppResponse;
  Object.defineProperty(prototype, 'emit', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: function emit(this: ServerResponse, event: string | symbol): boolean {
      if (event === 'close') finishKept(this);
      // The parent's current `emit`, so a later patch of ServerResponse's (an APM agent's) still runs.
      // eslint-disable-next-line prefer-rest-params -- forwards any arguments without copying them
      return Reflect.apply(parent.emit, this, arguments) as boolean;
    },
  });
}
