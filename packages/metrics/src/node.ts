import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpMetrics, type HttpMetrics, type HttpMetricsOptions } from './http-metrics.js';
import { runWithRequestTiming } from './server-timing/request-timing.js';
import { timeResponse } from './server-timing/response-header.js';

/** Options of {@link instrumentHandler}. */
export interface InstrumentHandlerOptions extends HttpMetricsOptions {
  /** Record into this recorder instead of creating one. */
  metrics?: HttpMetrics;
}

/** A node:http request listener (sync or async). */
export type RequestListener<Request extends IncomingMessage, Response extends ServerResponse> = (
  request: Request,
  response: Response,
) => unknown;

/**
 * Wraps a plain node:http request listener so every request is recorded.
 * Pass `getRoute` to name routes (a template such as `/users/:id`, never the
 * raw path); without it `http.route` is omitted. Thrown errors and rejected
 * promises are recorded with their class and then propagate unchanged.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { instrumentHandler } from '@telltale/metrics/node';
 *
 * const handler = instrumentHandler(
 *   (request, response) => response.end('ok'),
 *   { getRoute: (request) => (request.url?.startsWith('/users/') ? '/users/:id' : undefined) },
 * );
 * createServer(handler).listen(3000);
 * ```
 */
export function instrumentHandler<
  Request extends IncomingMessage = IncomingMessage,
  Response extends ServerResponse = ServerResponse,
>(
  handler: RequestListener<Request, Response>,
  options: InstrumentHandlerOptions = {},
): (request: Request, response: Response) => unknown {
  const metrics = options.metrics ?? createHttpMetrics(options);
  return function instrumented(this: unknown, request: Request, response: Response): unknown {
    metrics.track(request, response);
    let result: unknown;
    try {
      result = handler.call(this, request, response);
    } catch (error) {
      metrics.recordError(request, error);
      throw error;
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      // Re-throwing keeps an unhandled rejection unhandled, as without us.
      return (result as Promise<unknown>).catch((error: unknown) => {
        metrics.recordError(request, error);
        throw error;
      });
    }
    return result;
  };
}

/**
 * Wraps a node:http request listener so every response carries an opt-in
 * `Server-Timing` header (`total;dur=…, db;dur=…, cache;dur=…`), with the
 * time `addRequestTiming` callers (`cacheMetrics`, `instrumentPool`, your
 * code) reported inside that request only.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { instrumentHandler, serverTiming } from '@telltale/metrics/node';
 *
 * createServer(instrumentHandler(serverTiming(async (request, response) => response.end('ok')))).listen(3000);
 * ```
 */
export function serverTiming<
  Request extends IncomingMessage = IncomingMessage,
  Response extends ServerResponse = ServerResponse,
>(handler: RequestListener<Request, Response>): (request: Request, response: Response) => unknown {
  return function timed(this: unknown, request: Request, response: Response): unknown {
    return runWithRequestTiming(timeResponse(response), () => handler.call(this, request, response));
  };
}
