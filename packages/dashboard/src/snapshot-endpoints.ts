import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http-responses.js';
import type { DashboardSnapshot } from './snapshot.js';
import type { SnapshotStream } from './snapshot-stream.js';

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
  readonly stream: SnapshotStream;
  /** Called once a stream is open (the dashboard starts ticking). */
  readonly onStreamOpened: () => void;
  readonly tick: number;
  readonly now: () => number;
  /** Whether this viewer sees health details. */
  readonly showsDetails: (request: IncomingMessage) => boolean;
  readonly latest: () => PublishedSnapshot | undefined;
  readonly refresh: () => Promise<PublishedSnapshot>;
}

/** The two ways to read snapshots: the SSE stream and `snapshot.json` polling. */
export function createSnapshotEndpoints(context: SnapshotEndpointsContext) {
  const { stream, showsDetails } = context;

  // `Last-Event-ID` (or `?lastEventId=`, which the hub reads from the URL) picks the resume point.
  const serveEvents = async (request: IncomingMessage, response: ServerResponse, _query?: URLSearchParams) => {
    await stream.serve(request, response, showsDetails(request));
    if (response.statusCode === 200 && !response.writableEnded) context.onStreamOpened();
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
