import type { ServerResponse } from 'node:http';
import { createRequestTiming, formatServerTiming, type RequestTiming } from './request-timing.js';

const HEADER = 'Server-Timing';

/**
 * Starts a timing record for one response and arranges for its
 * `Server-Timing` header to be set just before the headers are written.
 * Node routes every way of sending headers (`writeHead`, the first
 * `write`/`end`, Fastify's and Express's `send`) through `writeHead`, so
 * wrapping it on this one response object is enough; a header the
 * application set itself is kept and ours appended.
 */
export function timeResponse(response: ServerResponse): RequestTiming {
  const timing = createRequestTiming();
  const writeHead = response.writeHead.bind(response) as (...values: unknown[]) => ServerResponse;
  response.writeHead = function writeHeadWithServerTiming(this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) {
      const ours = formatServerTiming(timing);
      const existing = this.getHeader(HEADER);
      this.setHeader(HEADER, existing === undefined ? ours : `${String(existing)}, ${ours}`);
    }
    return writeHead(...args);
  };
  return timing;
}
