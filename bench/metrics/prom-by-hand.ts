// prom-client used directly: the hand-written histogram middleware people
// write instead of a plugin. An anchor in both the socket and the in-process
// benchmarks, so it lives in one place.
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';

/** Starts a prom-client timer per request and observes it when the response finishes. */
export function promObserver(): (
  request: IncomingMessage,
  response: ServerResponse,
  route: () => string | undefined,
) => void {
  const registry = new client.Registry();
  const histogram = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  return (request, response, route) => {
    const end = histogram.startTimer();
    response.once('finish', () =>
      end({ method: request.method, route: route() ?? '', status_code: String(response.statusCode) }),
    );
  };
}
