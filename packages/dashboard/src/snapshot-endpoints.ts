import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS, sendJson } from './http-responses.js';
import type { DashboardSnapshot } from './snapshot.js';
import type { SseBroadcaster } from './sse-broadcaster.js';

/** A collected snapshot, serialised for each audience. */
export interface PublishedSnapshot {
  readonly snapshot: DashboardSnapshot;
  /** The full snapshot. */
  readonly json: string;
  /** The snapshot without health details (the same string when there are none). */
  readonly publicJson: string;
}

/** What {@link createSnapshotEndpoints} reads from the dashboard. */
export interface SnapshotEndpointsContext {
  readonly broadcaster: SseBroadcaster;
  readonly clientAddress: (request: IncomingMessage) => string;
  readonly tick: number;
  readonly now: () => number;
  /** Whether this viewer sees health details. */
  readonly showsDetails: (request: IncomingMessage) => boolean;
  readonly latest: () => PublishedSnapshot | undefined;
  readonly refresh: () => Promise<PublishedSnapshot>;
}

// Kept short on purpose: Node retains each response's header block for the
// life of the stream, and a document-only header such as the CSP would cost
// ~400 bytes per open connection for nothing.
const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-content-type-options': 'nosniff',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** The two ways to read snapshots: the SSE stream and `snapshot.json` polling. */
export function createSnapshotEndpoints(context: SnapshotEndpointsContext) {
  const { broadcaster, showsDetails } = context;

  const serveEvents = (request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void => {
    const address = context.clientAddress(request);
    const refusal = broadcaster.admit(address);
    if (refusal !== undefined) {
      const scope = refusal.scope === 'global' ? 'in total' : 'from your address';
      sendJson(
        response,
        503,
        {
          error: `too many dashboard connections ${scope} (limit ${refusal.limit}); poll snapshot.json instead`,
          scope: refusal.scope,
          limit: refusal.limit,
        },
        { 'retry-after': String(Math.ceil(context.tick / 1000) * 5) },
      );
      return;
    }
    request.socket.setNoDelay(true);
    request.socket.setTimeout(0);
    // The stream ends only when the connection does, so chunked framing
    // would add three extra socket writes per event for nothing.
    response.useChunkedEncodingByDefault = false;
    response.writeHead(200, EVENT_STREAM_HEADERS);
    response.flushHeaders();
    const header = request.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) ?? query.get('lastEventId') ?? undefined;
    broadcaster.attach(response, address, lastEventId, !showsDetails(request));
  };

  const servePoll = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const latest = context.latest();
    const fresh = latest !== undefined && context.now() - latest.snapshot.takenAt < context.tick;
    const current = fresh ? latest : await context.refresh();
    const details = showsDetails(request);
    const body = details ? current.json : current.publicJson;
    // The two variants must never share a cache entry.
    const etag = `"${current.snapshot.id}${details ? '' : '-public'}"`;
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { ...SECURITY_HEADERS, etag, 'cache-control': 'private, no-cache' });
      response.end();
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'private, no-cache',
      etag,
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  return { serveEvents, servePoll };
}
