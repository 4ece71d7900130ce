import type { IncomingMessage, ServerResponse } from 'node:http';
import { runWithRequestTiming } from './request-timing.js';
import { timeResponse } from './response-header.js';

/**
 * Opt-in Express middleware adding a `Server-Timing` header
 * (`total;dur=…, db;dur=…, cache;dur=…`) to every response, so browser dev
 * tools show where a request spent its time. `db`/`cache`/`redis` come from
 * `addRequestTiming` calls made inside that request only (by `cacheMetrics`,
 * `instrumentPool`, or your code). Mount it
 * early, so `total` covers the other middleware.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { serverTiming } from '@telltale/metrics/express';
 *
 * const app = express();
 * app.use(serverTiming());
 * app.use(express.json());
 * ```
 */
export function serverTiming(): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return (_request, response, next) => runWithRequestTiming(timeResponse(response), next);
}
